"""Data Docs that work on an intranet: GX's pages load jQuery, Bootstrap, bootstrap-table, Font Awesome … from
CDNs and render their tables with them, so without the internet the index is blank. The same files, vendored
from npm (``quality/docs_assets/``, see VENDORED.md there), are copied next to the site and every page's
script, style and image links are rewritten to them; tags for what no page of ours uses (vega charts, a
dark theme) are removed, and the logos GX fetches from S3 (with a tracking query) become its own local copy.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit

ASSETS = Path(__file__).resolve().parent / "docs_assets"
VENDOR = Path("static") / "vendor"  # inside the site root
LOCAL_LOGO = Path("static") / "images" / "logo-long.png"  # GX ships it with the site's static files

# Path of a CDN address GX writes (host and query left out: any remote tag not listed here is removed)
# → vendored file, relative to the site's static/vendor folder.
VENDORED: dict[str, str] = {
    "/jquery-3.7.1.min.js": "jquery-3.7.1.min.js",
    "/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap-4.3.1/bootstrap.min.css",
    "/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap-4.3.1/bootstrap.min.js",
    "/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper-1.12.9.min.js",
    "/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table-1.19.1/bootstrap-table.min.js",
    "/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table-1.19.1/bootstrap-table.min.css",
    "/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.js"
    ),
    # GX links the filter-control style of 1.19.0 (min and not); 1.19.1's is the same extension.
    "/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css"
    ),
    "/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css": (
        "bootstrap-table-1.19.1/bootstrap-table-filter-control.min.css"
    ),
    "/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js": (
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.js"
    ),
    "/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css": (
        "bootstrap-datepicker-1.9.0/bootstrap-datepicker.min.css"
    ),
    "/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome-6.6.0/css/all.min.css",
}
# A <script src>, <link href> or <img src> whose value is a remote address.
_REMOTE_TAG = re.compile(
    r"<(script|link|img)\b[^>]*?\b(src|href)=([\"'])(https?://[^\"']*)\3[^>]*>(\s*</script>)?", re.IGNORECASE
)

_LOCAL_STATIC = re.compile(
    r"<(link|script|img)\b[^>]*?\b(href|src)=[\"']((?:\.\./|\./)*static/[^\"']+)", re.IGNORECASE
)
_UNSAFE_ON_FILES = re.compile(r"\s(integrity|crossorigin)=([\"'])[^\"']*\2", re.IGNORECASE)


def _stamp() -> str:
    """One hash of every vendored file: a site copied from another version is refreshed."""
    digest = hashlib.sha256()
    for path in sorted(p for p in ASSETS.rglob("*") if p.is_file()):
        digest.update(path.relative_to(ASSETS).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def install_assets(root: Path) -> Path:
    """Copy the vendored files into ``root/static/vendor`` (once per version of them)."""
    target = root / VENDOR
    stamp = target / ".stamp"
    wanted = _stamp()
    if stamp.exists() and stamp.read_text() == wanted:
        return target
    shutil.rmtree(target, ignore_errors=True)
    # Contents only, never the repository's modes: reports are owner-only like everything under the home.
    for source in sorted(ASSETS.rglob("*")):
        if source.name == "VENDORED.md" or not source.is_file():
            continue
        copy = target / source.relative_to(ASSETS)
        copy.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        shutil.copyfile(source, copy)
        copy.chmod(0o600)
    stamp.write_text(wanted)
    return target


def _relative(page: Path, root: Path, path: Path) -> str:
    return Path(os.path.relpath(root / path, page.parent)).as_posix()


def rewrite(html: str, page: Path, root: Path) -> str:
    """The page with every remote script/style/image either pointing at its local copy or removed."""

    def replace(match: re.Match[str]) -> str:
        tag, url = match.group(1).lower(), match.group(4)
        address = urlsplit(url).path
        if address in VENDORED:
            local = _relative(page, root, VENDOR / VENDORED[address])
            # Subresource integrity makes Chromium fetch in CORS mode, which file:// pages cannot do; the
            # files are the ones VENDORED.md lists by hash.
            return _UNSAFE_ON_FILES.sub("", match.group(0).replace(url, local))
        if tag == "img":
            return match.group(0).replace(url, _relative(page, root, LOCAL_LOGO))
        return ""  # an asset we do not ship (charts, dark theme): nothing of ours needs it

    def repair(match: re.Match[str]) -> str:
        # GX's favicon link on validation pages is one folder short: point it at the site's static folder.
        ref = match.group(3)
        if (page.parent / ref).exists():
            return match.group(0)
        return match.group(0).replace(ref, _relative(page, root, Path("static") / ref.split("static/", 1)[1]))

    return _LOCAL_STATIC.sub(repair, _REMOTE_TAG.sub(replace, html))


def remote_assets(html: str) -> list[str]:
    """Remote addresses a page would still load (script, style sheet, image): none, once rewritten."""
    return [m.group(4) for m in _REMOTE_TAG.finditer(html)]


def make_offline(root: Path, pages: Iterable[Path]) -> list[Path]:
    """Install the assets and rewrite ``pages`` (files of the site under ``root``); returns those changed."""
    install_assets(root)
    changed = []
    for page in pages:
        if not page.exists():
            continue
        html = page.read_text(encoding="utf-8")
        offline = rewrite(html, page, root)
        if offline != html:
            page.write_text(offline, encoding="utf-8")
            changed.append(page)
    return changed


def site_pages(root: Path) -> list[Path]:
    """Every HTML page of a Data Docs site."""
    return sorted(p for p in root.rglob("*.html") if VENDOR not in p.relative_to(root).parents)
