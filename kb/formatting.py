"""Printing diagnostics: text (like ruff), JSON, and GitHub Actions annotations."""

from __future__ import annotations

import json
import os
import sys
from typing import TextIO

from defectkb.diagnostics import Diagnostic, Report, Severity

FORMATS = ("text", "json", "github")


def use_color(stream: TextIO) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


class _Paint:
    def __init__(self, on: bool) -> None:
        self.on = on

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.on else text


def format_text_line(d: Diagnostic, paint: _Paint | None = None) -> str:
    paint = paint or _Paint(False)
    color = "31" if d.severity is Severity.ERROR else "33"
    head = (f"{paint(d.path, '1')}{paint(':', '36')}{d.line}{paint(':', '36')}{d.column}{paint(':', '36')} "
            f"{paint(d.code, '1;' + color)} {d.message}")
    if d.severity is Severity.WARNING:
        head += paint(" (warning)", "33")
    if d.hint:
        head += "\n  " + paint("hint:", "1;36") + " " + d.hint
    return head


def render_text(report: Report, color: bool = False) -> str:
    paint = _Paint(color)
    lines = [format_text_line(d, paint) for d in report.sorted()]
    files = len({d.path for d in report.diagnostics})
    checked = f"{report.files} file{'s' * (report.files != 1)}, {report.entries} entries"
    if report.errors or report.warnings:
        parts = []
        if report.errors:
            parts.append(paint(f"{report.errors} error{'s' * (report.errors != 1)}", "1;31"))
        if report.warnings:
            parts.append(paint(f"{report.warnings} warning{'s' * (report.warnings != 1)}", "1;33"))
        lines.append(f"Found {' and '.join(parts)} in {files} file{'s' * (files != 1)} (checked {checked}).")
    else:
        lines.append(paint("All checks passed", "1;32") + f" ({checked}).")
    return "\n".join(lines)


def render_json(report: Report) -> str:
    return json.dumps(
        {
            "diagnostics": [d.as_dict() for d in report.sorted()],
            "summary": {
                "files": report.files,
                "entries": report.entries,
                "errors": report.errors,
                "warnings": report.warnings,
            },
        },
        ensure_ascii=False,
        indent=2,
    )


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    out = []
    for d in report.sorted():
        level = "error" if d.severity is Severity.ERROR else "warning"
        message = d.message + (f"\nhint: {d.hint}" if d.hint else "")
        out.append(
            f"::{level} file={_escape_property(d.path)},line={d.line},col={d.column},"
            f"title={_escape_property(d.code)}::{_escape_data(message)}"
        )
    return "\n".join(out)


def render(report: Report, fmt: str, stream: TextIO = sys.stdout) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "github":
        return render_github(report)
    return render_text(report, color=use_color(stream))
