"""Registries: people, products (with components) and the tag vocabulary.

Plain YAML files in the knowledge base's data folder, checked like entries. They may hold
e-mail addresses, so the site reads them but never publishes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from defectkb.diagnostics import Diagnostic, Severity
from defectkb.enums import Role
from defectkb.models import Key
from defectkb.yamlsource import YamlError, parse
from pydantic import BaseModel, ConfigDict, Field, ValidationError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Person(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    roles: list[Role] = Field(default_factory=list)
    team: str | None = None
    department: str | None = None
    email: str | None = None  # never rendered


class Component(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    description: str = ""


class Product(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=80)]
    description: str = ""
    pms: list[Key] = Field(default_factory=list)
    components: dict[Key, Component] = Field(default_factory=dict)


class Tag(_Strict):
    description: Annotated[str, Field(min_length=1)]
    zh: str | None = None


FILES = {"people": ("people.yml", Person), "products": ("products.yml", Product), "tags": ("tags.yml", Tag)}


@dataclass(slots=True)
class Registry:
    people: dict[str, Person] = field(default_factory=dict)
    products: dict[str, Product] = field(default_factory=dict)
    tags: dict[str, Tag] = field(default_factory=dict)

    def pms(self) -> dict[str, Person]:
        return {pid: p for pid, p in self.people.items() if Role.pm in p.roles}


def load_registry(data_dir: Path, display: str) -> tuple[Registry, list[Diagnostic]]:
    """Read the three registries; a bad record is reported and skipped, the rest kept."""
    reg = Registry()
    diags: list[Diagnostic] = []
    for attr, (name, model) in FILES.items():
        path = data_dir / name
        shown = f"{display}/{name}"

        def report(line: int, col: int, message: str, hint: str | None = None, shown: str = shown) -> None:
            diags.append(Diagnostic(shown, line, col, "KB601", Severity.ERROR, message, hint))

        if not path.is_file():
            report(1, 1, f"registry {name} not found", f"create {shown}; see docs/registries.md")
            continue
        try:
            located = parse(path.read_text(encoding="utf-8"))
        except YamlError as exc:
            p = exc.problem
            report(p.position.line, p.position.column, p.message, p.hint)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            report(1, 1, f"cannot read {name}: {exc}", "save it as UTF-8")
            continue
        for problem in located.problems:
            report(problem.position.line, problem.position.column, problem.message, problem.hint)
        data = located.data or {}
        if not isinstance(data, dict):
            report(1, 1, f"{name} must map ids to records", "write `some-id: {name: ...}` per record")
            continue
        records = getattr(reg, attr)
        for key, raw in data.items():
            kpos = located.at((key,), key=True)
            if not isinstance(key, str) or not _is_key(key):
                report(kpos.line, kpos.column, f"invalid id `{key}`",
                       "ids are lower-case letters, digits, `.`, `_` and `-`")
                continue
            try:
                records[key] = model.model_validate(raw)
            except ValidationError as exc:
                for err in exc.errors():
                    loc = (key, *err["loc"])
                    pos = located.at(loc)
                    where = ".".join(str(p) for p in loc)
                    report(pos.line, pos.column, f"{where}: {err['msg']}")
    return reg, diags


def _is_key(value: str) -> bool:
    import re

    return re.fullmatch(r"[a-z0-9][a-z0-9._-]*", value) is not None and len(value) <= 64
