"""Mapping files: which column holds which field, how values translate, and the defaults.

A preset (jira-csv, zentao-csv, ...) is a mapping file shipped in defectkb/ingest/mappings/;
a user's `--mapping` file is laid over it (or over `extends:`), key by key.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

FIELDS = (
    "key", "url", "type", "title", "status", "resolution", "severity", "priority", "reporter", "assignee",
    "verifier", "pm", "product", "component", "labels", "affected_versions", "fixed_version", "environment",
    "description", "steps", "expected", "actual", "comments", "created", "occurred", "resolved", "verified",
    "closed", "updated", "reproducibility", "defect_type", "found_phase", "injected_phase", "impact_scope",
    "online", "duplicate_of", "reopen_count",
)
VALUE_FIELDS = ("status", "resolution", "severity", "priority", "reproducibility", "defect_type", "found_phase",
                "injected_phase", "impact_scope", "online")
DEFAULTABLE = ("severity", "reproducibility", "found_phase", "impact_scope", "online", "environment",
               "affected_versions", "pm", "product", "reporter", "status")
PRESETS = ("jira-csv", "jira-xml", "github", "bugzilla-csv", "zentao-csv", "csv")
EXAMPLES = ("pingcode", "tapd")


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(None, description="system recorded in `imported.system`")
    extends: str | None = Field(None, description="preset or example mapping this one is laid over")
    url: str | None = Field(None, description="record URL when the export has none; `{key}` is replaced")
    timezone: str | None = Field(None, description="zone of dates without an offset: `+08:00` or `Asia/Shanghai`")
    date_formats: list[str] = Field(default_factory=list, description="strptime formats, tried in order")
    empty_values: list[str] = Field(default_factory=list, description="values that mean empty (0000-00-00)")
    strip: list[str] = Field(default_factory=list, description="regular expressions removed from every value")
    comment_style: Literal["plain", "jira"] = "plain"
    markers: dict[str, Literal["steps", "expected", "actual", "description"]] = Field(
        default_factory=dict, description="markers in the description that start a sub-section ([步骤] → steps)")
    only: dict[str, list[str]] = Field(default_factory=dict, description="import only rows with these raw values")
    skip: dict[str, list[str]] = Field(default_factory=dict, description="leave out rows with these raw values")
    columns: dict[str, str | list[str]] = Field(default_factory=dict)
    values: dict[str, dict[str, str | bool]] = Field(default_factory=dict)
    people: dict[str, str] = Field(default_factory=dict)
    products: dict[str, str] = Field(default_factory=dict)
    components: dict[str, str] = Field(default_factory=dict)
    tags: dict[str, str] = Field(default_factory=dict)
    defaults: dict[str, Any] = Field(default_factory=dict)

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if name not in FIELDS:
                raise ValueError(f"unknown field {name!r}; fields: {', '.join(FIELDS)}")
        return value

    @field_validator("values")
    @classmethod
    def _known_values(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if name not in VALUE_FIELDS:
                raise ValueError(f"no value map for {name!r}; value maps: {', '.join(VALUE_FIELDS)}")
        return value

    @field_validator("defaults")
    @classmethod
    def _known_defaults(cls, value: dict[str, Any]) -> dict[str, Any]:
        for name in value:
            if name not in DEFAULTABLE:
                raise ValueError(f"no default for {name!r}; defaults: {', '.join(DEFAULTABLE)}")
        return value

    def column_names(self, field: str) -> list[str]:
        names = self.columns.get(field, [])
        return [names] if isinstance(names, str) else list(names)


class MappingError(Exception):
    def __init__(self, path: str, line: int, column: int, message: str) -> None:
        super().__init__(message)
        self.path, self.line, self.column, self.message = path, line, column, message

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


def _parse(text: str, shown: str) -> dict[str, Any]:
    from defectkb.yamlsource import YamlError, parse

    try:
        located = parse(text)
    except YamlError as exc:
        p = exc.problem
        raise MappingError(shown, p.position.line, p.position.column, p.message) from None
    data = located.data or {}
    if not isinstance(data, dict):
        raise MappingError(shown, 1, 1, "a mapping file is a YAML mapping (columns:, values:, ...)")
    try:
        Mapping.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = tuple(err["loc"])
        pos = located.at(loc)
        where = ".".join(str(p) for p in loc)
        raise MappingError(shown, pos.line, pos.column, f"{where}: {err['msg']}") from None
    return data


def builtin_text(name: str) -> str:
    return resources.files("defectkb.ingest").joinpath("mappings", f"{name}.yml").read_text(encoding="utf-8")


def _builtin(name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    if name not in PRESETS + EXAMPLES:
        raise MappingError("<mapping>", 1, 1, f"unknown preset {name!r}; presets: {', '.join(PRESETS + EXAMPLES)}")
    data = _parse(builtin_text(name), f"mappings/{name}.yml")
    parent = data.get("extends")
    if parent and parent not in seen:
        return merge(_builtin(parent, (*seen, name)), data)
    return data


def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` laid on `base`: nested maps merge key by key, lists of formats put `over` first."""
    out = dict(base)
    for key, value in over.items():
        if key == "extends":
            continue
        old = out.get(key)
        if isinstance(old, dict) and isinstance(value, dict):
            nested = dict(old)
            for k, v in value.items():
                nested[k] = {**nested[k], **v} if isinstance(nested.get(k), dict) and isinstance(v, dict) else v
            out[key] = nested
        elif key in ("date_formats", "empty_values", "strip") and isinstance(old, list) and isinstance(value, list):
            out[key] = [*value, *(v for v in old if v not in value)]
        else:
            out[key] = value
    return out


def load_mapping(preset: str, path: Path | None) -> Mapping:
    """The preset's mapping with the user's file laid over it."""
    data = _builtin(preset)
    if path is not None:
        try:
            text = path.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise MappingError(str(path), 1, 1, f"cannot read the mapping file: {exc}") from None
        user = _parse(text, str(path))
        if user.get("extends"):
            data = merge(data, _builtin(user["extends"]))
        data = merge(data, user)
    return Mapping.model_validate(data)
