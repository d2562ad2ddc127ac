"""Entries and registry records as text: front matter in model order, body sections from the
configured headings, appended registry records that keep the existing file as it is."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from defectkb.config import Config
from defectkb.ingest.convert import Candidate
from defectkb.ingest.text import as_markdown, html_to_text
from defectkb.models import Defect
from defectkb.templates import slugify
from defectkb.yamltext import scalar

_FIRST = ("kind", "id", "title", "status")
# Filled in while writing a write-up; shown as null in a draft so the author sees them.
_DRAFT_FIELDS = ("assignee", "verifier", "priority", "defect_type", "injected_phase", "fixed_version",
                 "resolved_at", "verified_at", "closed_at")


def front_matter(values: dict[str, Any], *, draft: bool = False) -> str:
    order = [*_FIRST, *(n for n in Defect.model_fields if n not in _FIRST)]
    lines = ["---"]
    for name in order:
        value = values.get(name)
        if value is None and not (draft and name in _DRAFT_FIELDS):
            continue
        if isinstance(value, dict):
            items = [(k, v) for k, v in value.items() if v not in (None, [])]
            if not items:
                continue
            lines.append(f"{name}:")
            lines += [f"  {k}: {scalar(v)}" for k, v in items]
        elif value == [] and name not in ("affected_versions",):
            continue
        else:
            lines.append(f"{name}: {scalar(value)}")
    lines.append("---")
    return "\n".join(lines)


def body(config: Config, cand: Candidate, *, draft: bool = False) -> str:
    """The source's text under the configured headings; in a draft, every section some status
    requires is there, stubbed with what to write."""
    cfg = config.defect
    out: list[str] = [""]
    wanted = list(cand.sections)
    if draft:
        used = {key for keys in cfg.required_sections.values() for key in keys}
        wanted = [key for key in cfg.sections if key in used or key in cand.sections]
    if any(k in wanted for k in ("steps", "expected", "actual")) and "description" not in wanted:
        wanted.insert(0, "description")
    for key in cfg.sections:
        if key not in wanted:
            continue
        spec = cfg.sections[key]
        out += [f"{'#' * spec.level} {spec.heading}", ""]
        text = cand.sections.get(key)
        if text:
            out += [as_markdown(text), ""]
        elif draft:
            earliest = next((s for s in cfg.statuses if key in cfg.required_sections.get(s, [])), None)
            note = (spec.description + " " if spec.description else "") + (
                f"Required from status `{earliest}`." if earliest else "")
            out += [f"<!-- TODO: {note.strip()} -->", ""]
    if cand.comments:
        out += ["## Comments / 评论", ""]
        for when, author, text in cand.comments:
            who = " · ".join(x for x in (author.strip(), when.strip()) if x)
            quoted = as_markdown(html_to_text(text.strip())).replace("\n", "\n  ")
            out.append(f"- **{_inline(who)}**: {quoted}" if who else f"- {quoted}")
        out.append("")
    return "\n".join(out)


def _inline(text: str) -> str:
    return re.sub(r"([*_`\[\]<>])", r"\\\1", text)


def entry_text(config: Config, cand: Candidate, entry_id: str, *, draft: bool = False) -> str:
    values = {"kind": "defect", "id": entry_id, **cand.fields}
    return front_matter(values, draft=draft) + "\n" + body(config, cand, draft=draft)


def file_name(entry_id: str, cand: Candidate) -> str:
    slug = slugify(cand.fields.get("title") or "") or slugify(cand.key)
    return f"{entry_id}-{slug}.md" if slug else f"{entry_id}.md"


def append_registry(path: Path, records: dict[str, dict[str, Any]], comment: str) -> None:
    """Add records at the end of a registry file; what is there stays byte for byte."""
    lines = [f"# {comment}"]
    for key, record in records.items():
        lines.append(f"{key}:")
        for k, v in record.items():
            lines.append(f"  {k}: {scalar(v)}")
    existing = path.read_text(encoding="utf-8") if path.is_file() else ""
    sep = "" if not existing or existing.endswith("\n") else "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8", newline="\n") as fh:
        fh.write(sep + "\n".join(lines) + "\n")
