"""Bytes to text: the one place that guesses encodings.

Order of trust: a byte-order mark, then strict UTF-8, then an encoding the document
declares (HTTP header or ``<meta charset>``), then Windows-1252 for mostly-ASCII text
with a few high bytes (a stray pound sign or accent), then charset-normalizer's guess,
then Windows-1252 with replacement characters, so decoding never fails.
"""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Guessing on a huge file is slow and no better than guessing on its start.
_GUESS_BYTES = 256 * 1024


def bom_encoding(data: bytes) -> str | None:
    """Return the encoding named by a byte-order mark at the start of ``data``, or None."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return encoding
    return None


def normalize_encoding(name: str | None) -> str | None:
    """Return Python's codec name for a declared encoding, or None if unknown."""
    if not name:
        return None
    try:
        info = codecs.lookup(name.strip().strip("\"'").lower())
    except (LookupError, ValueError):
        return None
    # Browsers read "latin-1" and "ascii" declarations as windows-1252.
    if info.name in ("latin-1", "iso8859-1", "ascii"):
        return "cp1252"
    return info.name


def decode_bytes(data: bytes, declared: str | None = None) -> tuple[str, str]:
    """Return (text, encoding used) for raw bytes; never raises on any input."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError:
                break
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    declared_codec = normalize_encoding(declared)
    if declared_codec and declared_codec != "utf-8":
        try:
            return data.decode(declared_codec), declared_codec
        except (UnicodeDecodeError, LookupError):
            pass
    sample = data[:_GUESS_BYTES]
    high = sum(1 for b in sample if b >= 0x80)
    if high <= max(8, len(sample) // 20):
        # Mostly ASCII with a few accented letters or symbols: Western European text,
        # which statistical guessers get wrong on short samples.
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            pass
    best = from_bytes(sample).best()
    if best is not None and best.encoding:
        try:
            return data.decode(best.encoding), best.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    return data.decode("cp1252", errors="replace"), "cp1252"


def looks_binary(data: bytes) -> bool:
    """Return True when bytes are clearly not text (NULs or many control bytes in the
    first 8 KiB, and no UTF-16/32 byte-order mark)."""
    head = data[:8192]
    if not head:
        return False
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    if head.count(b"\x00") > len(head) // 100 + 1:
        return True
    control = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return control > len(head) * 0.1
