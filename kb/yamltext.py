"""YAML scalars as DefectKB writes them (`kb new`, `kb import`): read back as the same value.

One writer for every front matter the tool produces, so a new entry and an imported one look
alike: plain where YAML would read the bare text back as that very string, double-quoted
(a JSON string, which is a YAML double-quoted scalar) otherwise; times to the second.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from enum import Enum
from typing import Any

import yaml

# Characters that start or change YAML syntax somewhere in a plain scalar, and starts that some
# YAML reader (1.1 or 1.2) takes for a number: quote rather than reason.
_SPECIAL = re.compile(r"[:#\[\]{}&*!|>'\"%@`,\\]|^[\s?+.\d-]|\s$")
# What YAML refuses to read even inside quotes (outside its `c-printable`) or reads as a line
# break there (NEL, U+2028, U+2029): escaped.
_UNPRINTABLE = re.compile("[\x7f-\x9f\u2028\u2029\ud800-\udfff\ufffe\uffff]")


def scalar(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")  # YAML reads a timestamp only with its seconds
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    text = value.value if isinstance(value, Enum) else str(value)
    if _plain(text):
        return text
    return _UNPRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(text, ensure_ascii=False))


def _plain(text: str) -> bool:
    """True when the bare text reads back as this string (not `2.3`, `yes`, `null` or a list)."""
    if not text or _SPECIAL.search(text) or "\n" in text:
        return False
    try:
        return yaml.safe_load(text) == text
    except yaml.YAMLError:
        return False
