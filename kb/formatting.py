"""Printing diagnostics: text (like ruff), JSON, GitHub Actions annotations, GitLab Code Quality."""

from __future__ import annotations

import hashlib
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from defectkb.diagnostics import Diagnostic, Report, Severity

FORMATS = ("text", "json", "github", "gitlab")


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


# Entries that cannot be read or parsed: nothing else in them was checked.
_CRITICAL = frozenset({"KB001", "KB002", "KB003", "KB004", "KB005", "KB006", "KB008", "KB009", "KB010", "KB013"})


def gitlab_severity(d: Diagnostic) -> str:
    if d.severity is Severity.WARNING:
        return "minor"
    return "critical" if d.code in _CRITICAL else "major"


def render_gitlab(report: Report, repo_root: Path | None = None) -> str:
    """A GitLab Code Quality report. GitLab matches `location.path` against the merge request's
    files, so paths are relative to the repository root, not to where `kb` ran."""
    out = []
    seen: dict[str, int] = {}
    cwd = Path.cwd()
    for d in report.sorted():
        path = d.path
        if repo_root is not None and not os.path.relpath(cwd / d.path, repo_root).startswith(".."):
            path = Path(os.path.relpath(cwd / d.path, repo_root)).as_posix()
        # Stable across runs and line moves; the n-th identical finding in a file stays distinct.
        key = f"{path}\0{d.code}\0{d.message}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            key += f"\0{seen[key]}"
        out.append({
            "description": f"{d.code} {d.message}" + (f" (hint: {d.hint})" if d.hint else ""),
            "check_name": d.code,
            "fingerprint": hashlib.sha256(key.encode("utf-8")).hexdigest(),
            "severity": gitlab_severity(d),
            "location": {"path": path, "lines": {"begin": d.line}},
        })
    return json.dumps(out, ensure_ascii=False, indent=2)


def render(report: Report, fmt: str, stream: TextIO = sys.stdout, repo_root: Path | None = None) -> str:
    if fmt == "json":
        return render_json(report)
    if fmt == "github":
        return render_github(report)
    if fmt == "gitlab":
        return render_gitlab(report, repo_root)
    return render_text(report, color=use_color(stream))
