"""One reader per export format, all giving a `Table` of rows with numbered records."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from defectkb.ingest.decode import DecodeError, decode
from defectkb.ingest.github import read_github
from defectkb.ingest.jira_xml import read_jira_xml
from defectkb.ingest.table import Problem, Table, read_csv

READERS: dict[str, Callable[[str], Table]] = {
    "jira-csv": read_csv, "jira-xml": read_jira_xml, "github": read_github,
    "bugzilla-csv": read_csv, "zentao-csv": read_csv, "csv": read_csv,
}


def read_file(fmt: str, path: Path, encoding: str | None = None) -> tuple[Table, str]:
    """The file's rows and the encoding it was read with; problems are reported, never raised."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return Table([], [], [Problem(None, None, f"cannot read: {exc.strerror or exc}")]), ""
    try:
        text, used = decode(raw, encoding)
    except DecodeError as exc:
        return Table([], [], [Problem(None, None, str(exc), "pass --encoding")]), ""
    text = text.replace("\r\n", "\n").replace("\r", "\n") if fmt in ("jira-xml", "github") else text
    return READERS[fmt](text), used
