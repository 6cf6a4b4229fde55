"""Headless Chromium for the dashboard tests and screenshots: Debian's package, never a downloaded build.

Playwright drives it through `executable_path`; `playwright install` would fetch a browser from outside
the package registries, which this project never does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from infra.stack import apt
from infra.stack.model import Progress

CHROMIUM = Path("/usr/bin/chromium")
# Without a CJK font every Chinese title renders as empty boxes in screenshots.
CJK_FONT_PACKAGE = "fonts-wqy-microhei"
CJK_FONT_FILE = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)


def ensure_chromium(progress: Progress = print) -> Path:
    """Install Debian's chromium (and a Chinese font) with apt-get when missing; returns the binary."""
    if not CHROMIUM.is_file() and shutil.which("chromium") is None:
        apt.install("chromium", progress)
    if not CJK_FONT_FILE.is_file():
        apt.install(CJK_FONT_PACKAGE, progress)
    return CHROMIUM if CHROMIUM.is_file() else Path(str(shutil.which("chromium")))
