"""Turn pydantic validation errors into diagnostics at the right line, with hints."""

from __future__ import annotations

from typing import Any, get_args

from defectkb.diagnostics import did_you_mean
from defectkb.enums import LabeledEnum, enum_in
from defectkb.loader import SourceFile
from defectkb.models import EntryBase
from pydantic import BaseModel, ValidationError

_TYPE_WORDS = {
    "string_type": "a string",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "list_type": "a list",
    "dict_type": "a mapping",
    "model_type": "a mapping",
    "model_attributes_type": "a mapping",
    "timestamp_type": "a date or a date-time",
    "literal_error": None,
}


def validate_entry(src: SourceFile, model: type[EntryBase]) -> EntryBase | None:
    try:
        return model.model_validate(src.meta)
    except ValidationError as exc:
        seen: set[tuple[Any, ...]] = set()
        errors = exc.errors(include_url=False)
        missing = [e["loc"][0] for e in errors if e["type"] == "missing" and len(e["loc"]) == 1]
        if missing:  # one line for all absent top-level fields, not one per field
            assert src.located is not None
            names = ", ".join(f"`{m}`" for m in missing)
            src.diag("KB101", src.located.start,
                     f"missing required field{'s' * (len(missing) > 1)} {names}",
                     "`kb new` writes a template with every field")
            seen.update((m,) for m in missing)
        for err in errors:
            loc = tuple(err["loc"])
            if loc in seen:
                continue
            seen.add(loc)
            _report(src, model, err, loc)
        return None


def _value_repr(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "..."


def _where(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _field_info(model: type[BaseModel], loc: tuple[Any, ...]) -> tuple[type[BaseModel] | None, Any]:
    """Walk `loc` through nested models: the model reached, and the last named field's annotation."""
    current: type[BaseModel] | None = model
    annotation: Any = None
    for part in loc:
        if isinstance(part, int) or current is None:
            continue
        info = current.model_fields.get(part)
        if info is None:
            return None, None
        annotation = info.annotation
        current = _find_model(annotation)
    return current, annotation


def _find_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _find_model(arg)
        if found:
            return found
    return None


def _report(src: SourceFile, model: type[EntryBase], err: Any, loc: tuple[Any, ...]) -> None:
    assert src.located is not None
    kind = err["type"]
    value = err.get("input")
    where = _where(loc)
    located = src.located
    if kind == "missing":
        pos = located.at(loc[:-1]) if len(loc) > 1 else located.start
        src.diag("KB101", pos, f"missing required field `{where}`",
                 f"add `{loc[-1]}:`; `kb new` writes a template with every field")
        return
    if kind == "extra_forbidden":
        pos = located.at(loc, key=True)
        holder, _ = _field_info(model, loc[:-1])
        known = list((holder or model).model_fields)
        guess = did_you_mean(str(loc[-1]), known)
        hint = f"did you mean `{guess}`?" if guess else f"known fields: {', '.join(known)}"
        src.diag("KB102", pos, f"unknown field `{where}`", hint)
        return
    pos = located.at(loc)
    if kind == "enum":
        _, annotation = _field_info(model, loc)
        enum = enum_in(annotation)
        choices = [m.value for m in enum] if enum else []
        hint = None
        if enum and issubclass(enum, LabeledEnum) and isinstance(value, str) and enum.by_label(value):
            hint = f"`{value}` is the Chinese label; write `{enum.by_label(value).value}`"
        elif guess := did_you_mean(value, choices):
            hint = f"did you mean `{guess}`?"
        elif enum and issubclass(enum, LabeledEnum):
            hint = "values: " + ", ".join(f"{m.value} ({m.zh})" for m in enum)
        src.diag("KB104", pos, f"`{where}` must be one of {', '.join(choices)}; got `{_value_repr(value)}`", hint)
        return
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        src.diag("KB104", pos, f"`{where}` must be {expected}; got `{_value_repr(value)}`")
        return
    if kind == "naive_datetime":
        src.diag("KB106", pos, f"`{where}` has a time of day but no timezone: {err['ctx']['value']}",
                 "add the UTC offset, e.g. 2025-06-03T10:05:00+08:00, or give only the date")
        return
    if kind in _TYPE_WORDS or kind.endswith("_type") or kind in ("timestamp_parsing",):
        expected = _TYPE_WORDS.get(kind)
        if kind == "timestamp_parsing":
            src.diag("KB103", pos, f"`{where}`: {err['msg']}", "write 2025-06-03 or 2025-06-03T09:12:00+08:00")
            return
        got = type(value).__name__
        message = f"`{where}` must be {expected or err['msg'].lower()}, got {got} `{_value_repr(value)}`"
        hint = None
        if kind == "string_type" and isinstance(value, int | float | bool):
            hint = f'quote it: "{value}"'
        elif kind == "list_type" and isinstance(value, str | int | float):
            hint = f"write a list: [{value}]"
        src.diag("KB103", pos, message, hint)
        return
    message = err["msg"]
    hint = None
    if kind == "string_pattern_mismatch":
        if (loc and loc[-1] == "id") or (len(loc) > 1 and isinstance(loc[-1], int)):
            hint = "ids look like DEF-0042 or LES-0007"
        else:
            hint = "use lower-case letters, digits, `.`, `_` and `-`, as in the registries"
        message = f"`{where}` has the wrong form: `{_value_repr(value)}`"
        if loc and loc[-1] == "title":
            message, hint = f"`{where}` must be one line", "move details into the body"
    elif kind == "unsafe_url":
        hint = "links are rendered on the site; only web links are allowed"
        message = f"`{where}`: {message}"
    else:
        message = f"`{where}`: {message.lower() if message[:1].isupper() else message}"
    src.diag("KB105", pos, message, hint)
