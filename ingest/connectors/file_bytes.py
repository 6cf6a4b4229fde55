"""Reading a hand-over file's bytes and decoding its text: encodings detected, truncation reported with
where it happened (an export cut inside a multi-byte character), never a value from the file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import charset_normalizer
import pyarrow as pa

from ingest.connectors.base import SourceError

# A file in its encoding but for a few lines (damaged in transfer, or pasted from a system that writes
# another encoding): those lines are their rows' fault, not the file's. More lines than this share (and
# than DAMAGED_LINES_MIN) say the encoding is wrong, and the file is refused as before.
DAMAGED_LINES_SHARE = 0.01
DAMAGED_LINES_MIN = 2


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str
    # Lines (1-based) that held bytes that are no text in ``encoding``: in ``text`` each such byte is U+FFFD.
    damaged_lines: tuple[int, ...] = ()


def decode(data: bytes, encoding: str | None, path: Path) -> Decoded:
    """Decode with the declared encoding; if that fails, detect (exports are often GBK, not UTF-8); if a few
    lines fail in every encoding, decode the rest and say which lines."""
    candidates = list(dict.fromkeys([encoding or "utf-8-sig", "utf-8-sig", "gb18030"]))
    cut: int | None = None  # where a candidate found the file ending inside a character
    for candidate in candidates:
        try:
            return Decoded(data.decode(candidate), candidate)
        except UnicodeDecodeError as exc:
            cut = _cut_at(exc, len(data)) if cut is None else cut
    if cut is not None:
        raise SourceError(truncated_message(path, data, cut))
    for candidate in candidates:
        if (mostly := _decode_mostly(data, candidate)) is not None:
            return mostly
    best = charset_normalizer.from_bytes(data).best()
    if best is None or "\x00" in str(best):
        raise SourceError(
            f"{path}: not a CSV file: it is not text in {', '.join(candidates)} or any other encoding detected; "
            "check that it is the CSV export and ask the provider to resend it"
        )
    return Decoded(str(best), best.encoding)


def _decode_mostly(data: bytes, encoding: str) -> Decoded | None:
    """``data`` decoded line by line, if only a few lines hold bytes that are no text in ``encoding`` (a
    newline byte is never inside a character in UTF-8 or GB18030, so lines split cleanly)."""
    lines = data.split(b"\n")
    allowed = max(DAMAGED_LINES_MIN, int(len(lines) * DAMAGED_LINES_SHARE))
    damaged: list[int] = []
    text: list[str] = []
    for number, line in enumerate(lines, start=1):
        codec = encoding if number == 1 else encoding.removesuffix("-sig")  # a BOM only starts the file
        try:
            text.append(line.decode(codec))
        except UnicodeDecodeError:
            damaged.append(number)
            if len(damaged) > allowed:
                return None
            text.append(line.decode(codec, errors="replace"))
    return Decoded("\n".join(text), encoding, tuple(damaged))


def _offset(exc: UnicodeDecodeError, size: int) -> int:
    """Where in the file (of ``size`` bytes) the decoder stopped: utf-8-sig decodes the file after its BOM."""
    return exc.start + size - len(exc.object)


def _cut_at(exc: UnicodeDecodeError, size: int) -> int | None:
    """The byte offset where the file ends inside a multi-byte character, if that is the first thing the
    decoder found wrong (a file cut short, not a file in another encoding)."""
    at_end = exc.end == len(exc.object)
    if at_end and exc.reason in ("unexpected end of data", "incomplete multibyte sequence"):
        return _offset(exc, size)
    return None


def truncated_message(path: Path, data: bytes | pa.Buffer, at: int) -> str:
    line = memoryview(data)[:at].tobytes().count(b"\n") + 1
    return (
        f"{path}: file ends inside a multi-byte character at byte {at} (line {line}): the export looks "
        "truncated; ask the provider to resend it"
    )


def ends_inside_utf8_character(data: pa.Buffer) -> bool:
    """Whether UTF-8 ``data`` ends inside a character (looking only at its last bytes)."""
    tail = memoryview(data)[-4:].tobytes()
    for back, byte in enumerate(reversed(tail), start=1):
        if byte < 0x80:
            return False
        if byte >= 0xC0:  # the lead byte says how long its character is
            return (2 if byte < 0xE0 else 3 if byte < 0xF0 else 4) > back
    return False


def utf8_text(data: bytes, path: Path, what: str) -> str:
    """A file that must be UTF-8 (JSON pages), or a SourceError that says where it is not."""
    return utf8_decoded(data, path, what, damaged_lines_allowed=False).text


def utf8_decoded(data: bytes, path: Path, what: str, damaged_lines_allowed: bool = True) -> Decoded:
    """A file that must be UTF-8; with ``damaged_lines_allowed`` (a file of one record per line), a few
    lines that are not may be damaged records (``Decoded.damaged_lines``)."""
    try:
        return Decoded(data.decode("utf-8-sig"), "utf-8-sig")
    except UnicodeDecodeError as exc:
        cut = _cut_at(exc, len(data))
        if cut is not None:
            raise SourceError(truncated_message(path, data, cut)) from exc
        if damaged_lines_allowed and (mostly := _decode_mostly(data, "utf-8-sig")) is not None:
            return mostly
        at = _offset(exc, len(data))
        line = data[:at].count(b"\n") + 1
        raise SourceError(
            f"{path}: not UTF-8 text at byte {at} (line {line}); {what} must be UTF-8: ask the provider to "
            "export it again"
        ) from exc


def read_file(path: Path) -> pa.Buffer:
    """The whole file in one read, so its fingerprint and its rows come from the same bytes even while a
    department replaces it. Arrow's memory pool reuses pages: about three times cheaper than a fresh
    Python ``bytes`` for large files (a memory map would save the copy but can fault on truncation)."""
    try:
        with pa.OSFile(str(path)) as handle:
            return handle.read_buffer()
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from exc


def read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot be read ({exc.strerror or type(exc).__name__})") from exc
