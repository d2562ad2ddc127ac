"""Bytes of an export file to text: byte-order marks, strict UTF-8, then charset detection."""

from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

_BOMS = [
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
]
# Detected names that are subsets of a wider encoding: decode with the wider one, so a rare
# character outside the subset does not fail the whole file.
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "cp936": "gb18030", "hz": "gb18030",
          "ascii": "utf-8", "iso8859_1": "cp1252", "latin_1": "cp1252"}


_MULTIBYTE = {"gb18030", "big5", "big5hkscs", "cp950", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949",
              "utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf-8", "utf_8"}


class DecodeError(Exception):
    pass


def decode(raw: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The text of an export and the encoding it was read with."""
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except (UnicodeDecodeError, LookupError) as exc:
            raise DecodeError(f"cannot decode as {encoding}: {exc}") from None
    for bom, name in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(name), name
            except UnicodeDecodeError as exc:
                raise DecodeError(f"starts with a {name} byte-order mark but is not {name}: {exc}") from None
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _looks_utf16(raw):
        codec = "utf-16-le" if raw[1::2].count(0) > raw[0::2].count(0) else "utf-16-be"
        try:
            return raw.decode(codec), codec
        except UnicodeDecodeError:
            pass
    best = from_bytes(raw[:200_000]).best()
    name = _WIDER.get(best.encoding, best.encoding) if best is not None else "cp1252"
    if name not in _MULTIBYTE:
        # Telling single-byte code pages apart from a few accented letters is guesswork; exports
        # in one are nearly always Windows' Western one (Latin-1 plus quotes and the euro sign).
        name = "cp1252"
    for candidate in (name, "gb18030", "cp1252"):
        try:
            return raw.decode(candidate), candidate
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"  # every byte sequence is Latin-1


def _looks_utf16(raw: bytes) -> bool:
    """UTF-16 without a byte-order mark: mostly-ASCII text has a zero in every other byte."""
    sample = raw[:4000]
    return len(sample) >= 4 and sample.count(0) >= len(sample) // 3
