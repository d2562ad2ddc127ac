"""The field reference (docs/fields.md), generated from the models and the default configuration."""

from __future__ import annotations

from typing import Any

from defectkb.config import Config
from defectkb.enums import LabeledEnum, enum_in
from defectkb.models import ID_PATTERN, KEY_PATTERN, ActionItem, Defect, Imported, Lesson, Links, Odc
from pydantic import BaseModel


def _type_name(schema: dict[str, Any], defs: dict[str, Any]) -> str:
    """A short type description, read off the JSON Schema so it matches `kb schema`."""
    if "$ref" in schema:
        target = defs.get(schema["$ref"].rsplit("/", 1)[-1], {})
        return "choice" if "enum" in target else "mapping"
    if "anyOf" in schema:
        parts = [_type_name(s, defs) for s in schema["anyOf"]]
        if "date" in parts and "date-time" in parts:
            parts = [p for p in parts if p not in ("date", "date-time")] + ["date or date-time"]
        return " or ".join(dict.fromkeys(parts))
    if "const" in schema:
        return f"`{schema['const']}`"
    kind = schema.get("type")
    if kind == "array":
        return "list of " + _type_name(schema.get("items", {}), defs)
    if kind == "string":
        fmt = schema.get("format")
        if fmt:
            return fmt
        if schema.get("pattern") == ID_PATTERN:
            return "entry id"
        if schema.get("pattern") == KEY_PATTERN:
            return "key"
        return "text"
    return {"boolean": "true/false", "integer": "whole number", "null": "null", "object": "mapping"}.get(
        str(kind), str(kind))


def _table(model: type[BaseModel]) -> list[str]:
    rows = ["| field | type | required | meaning |", "|---|---|---|---|"]
    schema = model.model_json_schema()
    defs = schema.get("$defs", {})
    for name, info in model.model_fields.items():
        enum = enum_in(info.annotation)
        prop = dict(schema["properties"][name])
        prop.pop("default", None)
        kind = _type_name(prop, defs)
        if enum is not None and issubclass(enum, LabeledEnum):
            kind = " · ".join(f"`{m.value}` {m.zh}" for m in enum)
        required = "yes" if info.is_required() else "by status" if name in _GATED else "no"
        rows.append(f"| `{name}` | {kind} | {required} | {(info.description or '').replace('|', '/')} |")
    return rows


_GATED = {"assignee", "priority", "defect_type", "injected_phase", "resolved_at", "fixed_version", "verifier",
          "verified_at", "closed_at", "resolution", "deferred_to", "reviewers", "reviewed_at", "published_at",
          "superseded_by", "archive_reason", "duplicate_of"}


def _gates(config: Config, kind: str) -> list[str]:
    cfg = config.kind(kind)
    rows = ["| status | required fields | required sections |", "|---|---|---|"]
    for status in cfg.statuses:
        wanted = cfg.required_fields.get(status, [])
        fields = ", ".join(" or ".join(f"`{a}`" for a in f.split("|")) for f in wanted) or "—"
        sections = ", ".join(cfg.sections[s].heading for s in cfg.required_sections.get(status, [])) or "—"
        rows.append(f"| `{status}` | {fields} | {sections} |")
    return rows


def render_markdown() -> str:
    config = Config()
    out = [
        "# Entry fields",
        "",
        "Generated from the pydantic models by `kb schema --markdown`; do not edit by hand.",
        "Dates are `2025-06-03` or date-times with offset `2025-06-03T09:12:00+08:00`.",
        "",
        "## Defect",
        "",
        *_table(Defect),
        "",
        "### `links`",
        "",
        *_table(Links),
        "",
        "### `odc` (optional, IBM ODC v5.2)",
        "",
        *_table(Odc),
        "",
        "### `imported` (set by `kb import`, see import.md)",
        "",
        *_table(Imported),
        "",
        "### What each status requires (default configuration)",
        "",
        *_gates(config, "defect"),
        "",
        "## Lesson",
        "",
        *_table(Lesson),
        "",
        "### `action_items[]`",
        "",
        *_table(ActionItem),
        "",
        "### What each status requires (default configuration)",
        "",
        *_gates(config, "lesson"),
        "",
    ]
    return "\n".join(out)
