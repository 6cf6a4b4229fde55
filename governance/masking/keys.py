"""The secret key for keyed pseudonyms (HMAC). Without it, a resident ID token could be reversed by
hashing all ~10^10 plausible IDs, so the key never goes into version control or logs.

Order: env ``LAKEHOUSE_PSEUDONYM_KEY`` (hex or text) -> env ``LAKEHOUSE_PSEUDONYM_KEY_FILE`` ->
``<LAKEHOUSE_HOME or <project>/var>/secrets/pseudonym.key``, generated once (mode 600) and reused.
Every domain must use the same key, or the marts stop joining on pseudonyms.
"""

from __future__ import annotations

import os
import secrets
import string
from pathlib import Path

ENV_KEY = "LAKEHOUSE_PSEUDONYM_KEY"
ENV_KEY_FILE = "LAKEHOUSE_PSEUDONYM_KEY_FILE"
MIN_KEY_BYTES = 16
# Same default as infra.settings (not imported: governance must not depend on infra).
_PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _decode(raw: str) -> bytes:
    raw = raw.strip()
    if len(raw) >= 2 * MIN_KEY_BYTES and len(raw) % 2 == 0 and all(c in string.hexdigits for c in raw):
        return bytes.fromhex(raw)
    return raw.encode("utf-8")


def _checked(key: bytes, source: str) -> bytes:
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"pseudonym key from {source} is shorter than {MIN_KEY_BYTES} bytes")
    return key


def default_key_path() -> Path:
    home = os.environ.get("LAKEHOUSE_HOME", "").strip()
    base = Path(home).expanduser() if home else _PROJECT_ROOT / "var"
    return base / "secrets" / "pseudonym.key"


def load_pseudonym_key() -> bytes:
    """Return the pseudonymisation key, creating the default key file on first use."""
    value = os.environ.get(ENV_KEY, "")
    if value.strip():
        return _checked(_decode(value), f"${ENV_KEY}")
    file_name = os.environ.get(ENV_KEY_FILE, "").strip()
    if file_name:
        return _checked(_decode(Path(file_name).expanduser().read_text("utf-8")), f"${ENV_KEY_FILE}")
    path = default_key_path()
    if not path.exists():
        _create_key_file(path)
    return _checked(_decode(path.read_text("utf-8")), str(path))


def _create_key_file(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        # O_EXCL: if two processes race, exactly one writes and both read the same key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(secrets.token_hex(32) + "\n")
