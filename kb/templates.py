"""`kb new`: entry templates derived from the models and the configured sections."""

from __future__ import annotations

import re
import unicodedata
from enum import Enum
from typing import Any

from defectkb.config import Config
from defectkb.enums import LabeledEnum, enum_in
from defectkb.models import MODELS
from defectkb.yamltext import scalar
from pydantic import BaseModel

_SKIP_OPTIONAL = {"odc", "priority_rationale", "duplicate_of", "deferred_to", "supersedes", "superseded_by",
                  "archive_reason", "imported"}


def slugify(title: str) -> str:
    """The ASCII words of a title, lower-cased and joined by `-`, at most 48 characters.

    A Chinese title keeps the ASCII words it has (`iOS 推送 token 丢失` → `ios-token`); with no
    ASCII letters at all the slug is empty and the file is named by its id alone: a romanised
    or machine-translated slug would be longer and no easier to find than the id.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", unicodedata.normalize("NFKC", title).lower()).strip("-")
    if not re.search(r"[a-z]", slug):
        return ""  # digits alone (`0-01` from `相差 0.01 元`) name nothing
    return slug[:48].rstrip("-")


def next_id(prefix: str, existing: set[str]) -> str:
    numbers = [int(m.group(1)) for i in existing if (m := re.fullmatch(rf"{re.escape(prefix)}-(\d+)", i))]
    return f"{prefix}-{(max(numbers) + 1 if numbers else 1):04d}"


def _choices(annotation: Any) -> str:
    enum = enum_in(annotation)
    if enum is None:
        return ""
    if issubclass(enum, LabeledEnum):
        return " | ".join(f"{m.value} {m.zh}" for m in enum)
    return " | ".join(m.value for m in enum)


def render_front_matter(kind: str, values: dict[str, Any]) -> str:
    model = MODELS[kind]
    lines = ["---"]
    first = ["kind", "id", "title", "status"]
    order = first + [n for n in model.model_fields if n not in first]
    for name in order:
        info = model.model_fields[name]
        if name in _SKIP_OPTIONAL and name not in values:
            continue
        desc = (info.description or "").strip()
        choices = _choices(info.annotation)
        comment = "  # " + (choices or desc) if (choices or desc) else ""
        nested = _nested_model(info.annotation)
        if nested is not None and name not in values:
            lines.append(f"{name}:{comment}")
            for sub, sub_info in nested.model_fields.items():
                default = [] if "list" in str(sub_info.annotation) else None
                lines.append(f"  {sub}: {scalar(default)}  # {sub_info.description or ''}".rstrip(" #"))
            continue
        if name in values:
            value = values[name]
        elif info.is_required():
            value = ""
        else:
            value = info.get_default(call_default_factory=True)
        if isinstance(value, Enum):
            value = value.value
        if isinstance(value, BaseModel):
            value = None
        lines.append(f"{name}: {scalar(value)}{comment}")
    lines.append("---")
    return "\n".join(lines)


def _nested_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


def render_body(kind: str, config: Config, texts: dict[str, str] | None = None) -> str:
    """The body sections the lifecycle asks for; `texts` (section key -> text) fills some in."""
    texts = texts or {}
    cfg = config.kind(kind)
    used = {key for keys in cfg.required_sections.values() for key in keys}
    if kind == "lesson":
        used.add("timeline")
    out = ["", "<!-- Every heading may be English, Chinese or `English / 中文`. -->", ""]
    for key, spec in cfg.sections.items():
        if key not in used:
            continue
        out.append(f"{'#' * spec.level} {spec.heading}")
        out.append("")
        earliest = next((s for s in cfg.statuses if key in cfg.required_sections.get(s, [])), None)
        note = spec.description or ""
        if earliest:
            note += f" Required from status `{earliest}`."
        out.append(texts[key].strip() if texts.get(key, "").strip() else f"<!-- {note.strip()} -->")
        out.append("")
    return "\n".join(out)


def render_entry(kind: str, config: Config, values: dict[str, Any], sections: dict[str, str] | None = None) -> str:
    return render_front_matter(kind, values) + "\n" + render_body(kind, config, sections)
