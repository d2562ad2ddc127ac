"""Lifecycle gates: what an entry's status requires of its fields and body sections."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from defectkb.diagnostics import Diagnostic, Position, Severity
from defectkb.enums import ActionStatus, SourceType

if TYPE_CHECKING:
    from defectkb.entries import Entry, KnowledgeBase


def _value(model: Any, dotted: str) -> Any:
    for part in dotted.split("."):
        model = getattr(model, part, None)
    return model


def _empty(value: Any) -> bool:
    return value is None or value == [] or value == ""


def _describe(model: Any, dotted: str) -> str | None:
    top = dotted.split(".")
    holder = type(model)
    for part in top[:-1]:
        holder = holder.model_fields[part].annotation  # nested model type
    info = holder.model_fields.get(top[-1])
    return info.description if info else None


def is_history(model: Any) -> bool:
    """A record bulk-imported from a tracker (not a write-up): see `imported` in kb.yml."""
    imported = getattr(model, "imported", None)
    return imported is not None and imported.mode == "history"


def check_lifecycle(kb: KnowledgeBase) -> Iterator[Diagnostic]:
    for entry in kb.entries:
        yield from _check_entry(kb, entry)


def _check_entry(kb: KnowledgeBase, entry: Entry) -> Iterator[Diagnostic]:
    cfg = kb.config.kind(entry.kind)
    model = entry.model
    status = model.status.value
    if status not in cfg.statuses:
        yield entry.diag("KB204", entry.pos("status"), f"status `{status}` is not enabled in this knowledge base",
                         "enabled: " + ", ".join(cfg.statuses))
        return

    waived = kb.config.imported
    history = is_history(model)
    for spec in cfg.required_fields.get(status, []) if not history or waived.require_fields else []:
        options = spec.split("|")
        if all(_empty(_value(model, name)) for name in options):
            shown = " or ".join(f"`{n}`" for n in options)
            located = entry.source.located
            present = next((n for n in options if located and located.has_key(tuple(n.split(".")))), None)
            pos = entry.pos(*present.split("."), key=True) if present else entry.pos("status")
            yield entry.diag("KB201", pos, f"status `{status}` requires {shown}",
                             _describe(model, options[0]))

    for name in cfg.empty_fields.get(status, []):
        if not _empty(_value(model, name)):
            yield entry.diag("KB206", entry.pos(*name.split("."), key=True),
                             f"`{name}` must be empty while the status is `{status}`",
                             f"set `{name}: null`; git keeps the old value")

    required = list(cfg.required_sections.get(status, [])) if not history or waived.require_sections else []
    if (entry.kind == "lesson" and model.source_type.value in kb.config.timeline_required_for
            and "timeline" in cfg.sections and len(required) > 1 and "timeline" not in required):
        required.append("timeline")
    for key in required:
        spec = cfg.sections[key]
        heading = entry.sections.get(key)
        marks = "#" * spec.level
        if heading is None:
            where = ""
            if spec.parent and spec.parent in cfg.sections:
                where = f" under `## {cfg.sections[spec.parent].heading}`"
            hint = f"add `{marks} {spec.heading}`{where}"
            if spec.description:
                hint += f": {spec.description[0].lower()}{spec.description[1:]}"
            yield entry.diag("KB202", entry.pos("status"),
                             f"status `{status}` requires the section `{spec.heading}`", hint)
        elif not heading.has_content:
            yield Diagnostic(entry.source.display, heading.line, 1, "KB203", Severity.ERROR,
                             f"section `{heading.text}` is empty",
                             "write it, or remove the heading if the status does not need it yet")

    if entry.kind == "defect":
        yield from _defect_rules(kb, entry, status)
    else:
        yield from _lesson_rules(entry, status)


def _defect_rules(kb: KnowledgeBase, entry: Entry, status: str) -> Iterator[Diagnostic]:
    model = entry.model
    allowed = kb.config.resolutions.get(status)
    resolution = model.resolution.value if model.resolution else None
    if allowed is not None:
        def pos() -> Position:  # positions are worked out only for diagnostics
            return entry.pos("resolution") if resolution else entry.pos("status")

        if not allowed and resolution:
            yield entry.diag("KB205", pos(), f"an open defect has no resolution; status is `{status}`",
                             "set `resolution: null`, or move the status on")
        elif allowed and resolution not in allowed:
            got = f"`{resolution}`" if resolution else "none"
            yield entry.diag("KB205", pos(),
                             f"status `{status}` needs resolution {' or '.join(f'`{a}`' for a in allowed)}; got {got}",
                             "a defect is `fixed` from testing on; rejected ones say why it was not fixed")
    if status == "reopened" and model.reopen_count < 1:
        yield entry.diag("KB201", entry.pos("reopen_count") if "reopen_count" in model.model_fields_set
                         else entry.pos("status"),
                         "status `reopened` requires `reopen_count` of at least 1",
                         "count this reopening and describe it under `## Reopen History / 重新打开记录`")


def _lesson_rules(entry: Entry, status: str) -> Iterator[Diagnostic]:
    model = entry.model
    if model.source_type in (SourceType.defect, SourceType.incident) and not model.source_defects:
        yield entry.diag("KB201", entry.pos("source_type"),
                         f"a lesson from a {model.source_type.value} names its `source_defects`",
                         "list the defect ids it was drawn from")
    if status == "applied":
        for i, item in enumerate(model.action_items):
            if item.status not in (ActionStatus.done, ActionStatus.wont_do):
                yield entry.diag("KB307", entry.pos("action_items", i, "status"),
                                 f"lesson is `applied` but action item {item.id} is `{item.status.value}`",
                                 "finish it (or mark it wont_do), or set the lesson back to `published`")
