"""`kb new`: a new entry's values from flags, prompts and defaults; the similar-entry check; its file.

What is asked is derived from the schema: the model's required fields (less those `kb new` sets
itself), the fields and body sections the configuration requires in the first status, and a
few optional facets. Allowed values come from the enums (with their Chinese labels) and from
the registries, never from lists kept here.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, TextIO, get_args, get_origin

from defectkb.authoring.catalog import Catalog, read_catalog
from defectkb.authoring.prompts import Aborted, Choice, Prompter, allowed, match
from defectkb.authoring.similar import Match, grams
from defectkb.config import Config
from defectkb.enums import FoundPhase, Kind, LabeledEnum, SourceType, enum_in
from defectkb.models import MODELS
from defectkb.registry import Registry, load_registry
from defectkb.templates import next_id, render_entry, slugify
from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

AUTO_FIELDS = frozenset({"kind", "id", "status", "online"})  # set by `kb new`; `online` follows found_phase
NOW_FIELDS = frozenset({"reported_at", "created_at"})  # the moment of writing, by definition
OPTIONAL_ASKED = {"defect": ("component", "tags"), "lesson": ("source_defects", "tags")}
ASKED_FIRST = ("title", "product", "products", "component", "pm")
# Where the allowed values of a field live: the same pairs `kb validate` checks (KB401-KB405).
REGISTRY_OF = {
    "pm": "pms", "reporter": "people", "assignee": "people", "verifier": "people", "authors": "people",
    "reviewers": "people", "product": "products", "products": "products", "applies_to": "products",
    "component": "components", "tags": "tags", "source_defects": "defects",
}
# A lesson drawn from these names its source defects (the lifecycle rule's KB201).
NEEDS_SOURCE_DEFECTS = (SourceType.defect.value, SourceType.incident.value)
SIMILAR_SHOWN = 5


class NewEntryError(Exception):
    """A flag value that cannot be used; the message names the flag and the allowed values."""


def flag_of(name: str) -> str:
    return "--" + name.replace("_", "-")


def _asked(kind: str, config: Config | None = None) -> list[str]:
    """The fields a new entry of `kind` is asked for, in the order they are asked."""
    model = MODELS[kind]
    names = [n for n, info in model.model_fields.items()
             if info.is_required() and n not in AUTO_FIELDS and n not in NOW_FIELDS]
    if config is not None:  # what the first status requires (kb.yml may add fields there)
        cfg = config.kind(kind)
        first = cfg.statuses[0] if cfg.statuses else ""
        names += [spec.split("|")[0].split(".")[0] for spec in cfg.required_fields.get(first, [])]
    names += OPTIONAL_ASKED[kind]
    names = [n for n in dict.fromkeys(names) if n in model.model_fields and n not in AUTO_FIELDS]
    return sorted(names, key=lambda n: (ASKED_FIRST.index(n) if n in ASKED_FIRST else len(ASKED_FIRST)))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The `kb new` flags: one per asked field of either kind, choices listed from the enums."""
    parser.add_argument("kind", nargs="?", choices=sorted(MODELS),
                        help="defect or lesson; asked for on a terminal when left out")
    seen: set[str] = set()
    for kind in sorted(MODELS):
        for name in _asked(kind):
            if name in seen:
                continue
            seen.add(name)
            info = MODELS[kind].model_fields[name]
            enum = enum_in(info.annotation)
            many = _is_list(info)
            metavar = name.upper() + (",..." if many else "")
            kinds = [k for k in sorted(MODELS) if name in _asked(k)]
            text = (info.description or name) + ("" if len(kinds) == len(MODELS) else f" ({kinds[0]}s)")
            if name == "product":
                text += "; for a lesson, its product"
            if enum is not None:  # the values with their labels, from the enum
                text += ". One of: " + ", ".join(
                    f"{m.value} ({m.zh})" if isinstance(m, LabeledEnum) else str(m.value) for m in enum)
            parser.add_argument(flag_of(name), dest=f"field_{name}", metavar=metavar, help=text)
    parser.add_argument("--section", action="append", default=[], metavar="KEY=TEXT",
                        help="text of a body section, e.g. description=...; repeatable")
    parser.add_argument("--no-input", action="store_true", help="never prompt, even on a terminal")
    parser.add_argument("--stdout", action="store_true", help="print instead of writing a file")


def _is_list(info: FieldInfo) -> bool:
    return get_origin(info.annotation) is list


def _is_time(info: FieldInfo) -> bool:
    return any(a in (date, datetime) for a in get_args(info.annotation))


def _adapter(info: FieldInfo) -> TypeAdapter[Any]:
    annotated = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    return TypeAdapter(annotated)


@dataclass(slots=True)
class Draft:
    """A new entry being put together."""

    kind: str
    root: Path
    config: Config
    registry: Registry
    values: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, str] = field(default_factory=dict)
    _catalog: Catalog | None = None

    def _query(self) -> frozenset[str]:
        return frozenset(grams(self.values.get("title") or "") | grams(" ".join(self.sections.values())))

    @property
    def catalog(self) -> Catalog:
        """The existing entries, read once the query is known, indexed only for its grams; read
        again in the rare case the query grew after a first read."""
        query = self._query()
        vocabulary = self._catalog.index.vocabulary if self._catalog is not None else None
        if self._catalog is None or (vocabulary is not None and not query <= vocabulary):
            self._catalog = read_catalog(self.root, self.config, query)
        return self._catalog

    # -- what a field accepts -------------------------------------------------------------

    def info(self, name: str) -> FieldInfo:
        return MODELS[self.kind].model_fields[name]

    def choices(self, name: str) -> list[Choice]:
        enum = enum_in(self.info(name).annotation)
        if enum is not None:
            return [Choice(m.value, m.zh if isinstance(m, LabeledEnum) else "") for m in enum]
        source, reg = REGISTRY_OF.get(name), self.registry
        if source == "people":
            return [Choice(pid, p.name) for pid, p in reg.people.items()]
        if source == "pms":
            owners = [pid for key in self._products() if key in reg.products for pid in reg.products[key].pms]
            ids = list(dict.fromkeys(owners)) or list(reg.pms())
            return [Choice(pid, reg.people[pid].name if pid in reg.people else "") for pid in ids]
        if source == "products":
            return [Choice(key, p.name) for key, p in reg.products.items()]
        if source == "components":
            product = reg.products.get(self.values.get("product", ""))
            return [Choice(key, c.name) for key, c in product.components.items()] if product else []
        if source == "tags":
            return [Choice(key, t.zh or "") for key, t in reg.tags.items()]
        return []

    def _products(self) -> list[str]:
        value = self.values.get("product") or self.values.get("products") or []
        return [value] if isinstance(value, str) else list(value)

    def parse(self, name: str, raw: str) -> Any:
        """The value of `name` written as `raw`; ValueError says what is wrong and what is allowed."""
        info = self.info(name)
        many = _is_list(info)
        parts = [p.strip() for p in raw.replace("，", ",").split(",")] if many else [raw.strip()]
        parts = [p for p in parts if p]
        choices = self.choices(name)
        out: list[Any] = []
        for part in parts:
            if choices:
                found = match(part, choices)
                if found is None:
                    owned = self._products() if REGISTRY_OF.get(name) == "pms" else []
                    what = f"a PM of {', '.join(f'`{p}`' for p in owned)}" if owned else "allowed"
                    raise ValueError(f"`{part}` is not {what}; use one of: {allowed(choices)}")
                part = found.value
            elif REGISTRY_OF.get(name) == "defects" and self.catalog.kinds.get(part) != "defect":
                raise ValueError(f"no defect has the id `{part}`")
            out.append(part)
        value: Any = out if many else (out[0] if out else "")
        try:  # the field's own type and constraints, from the model
            checked = _adapter(info).validate_python(value)
        except ValidationError as exc:
            raise ValueError(exc.errors()[0]["msg"]) from None
        if isinstance(checked, Enum):
            return checked.value
        return checked if isinstance(checked, date | datetime) else value

    def set(self, name: str, value: Any) -> None:
        self.values[name] = value
        if name == "found_phase" and self.kind == "defect":
            self.values["online"] = value == FoundPhase.production.value  # what KB304 checks

    # -- the similar-entry check --------------------------------------------------------------

    def similar(self) -> list[Match]:
        title = self.values.get("title") or ""
        if not title:
            return []
        return self.catalog.index.similar(title, products=self._products(), tags=self.values.get("tags") or (),
                                          body=" ".join(self.sections.values()), limit=SIMILAR_SHOWN)


def _section_key(config: Config, kind: str, name: str) -> str | None:
    sections = config.kind(kind).sections
    wanted = name.strip().lower()
    for key, spec in sections.items():
        if wanted in (key.lower(), spec.en.lower(), spec.zh.lower(), spec.heading.lower()):
            return key
    return None


def _first_status_sections(config: Config, kind: str) -> list[str]:
    cfg = config.kind(kind)
    return list(cfg.required_sections.get(cfg.statuses[0], [])) if cfg.statuses else []


def print_similar(matches: Sequence[Match], out: TextIO) -> None:
    print("Similar entries already in the knowledge base (is the new one among them?):", file=out)
    width = max(len(m.doc.id) for m in matches)
    for m in matches:
        print(f"  {m.doc.id:<{width}}  {m.doc.title}", file=out)
        print(f"  {'':<{width}}  {m.doc.path}", file=out)
    out.flush()


def _now() -> datetime:
    return datetime.now().astimezone().replace(second=0, microsecond=0)


def _default_time(kind: str, now: datetime) -> date | datetime:
    return now if kind == "defect" else now.date()  # lessons record days, defects moments


def create(args: argparse.Namespace, root: Path, config: Config, *, stdin: TextIO, stdout: TextIO,
           stderr: TextIO) -> int:
    """Run `kb new`. Returns the exit code; raises NewEntryError for a flag that cannot be used."""
    interactive = stdin.isatty() and not args.no_input
    ask = Prompter(stdin, stderr)
    try:
        return _create(args, root, config, ask if interactive else None, stdout, stderr)
    except Aborted:
        print("\nkb new: input ended; nothing written", file=stderr)
        return 1


def _create(args: argparse.Namespace, root: Path, config: Config, ask: Prompter | None, stdout: TextIO,
            stderr: TextIO) -> int:
    kind = args.kind
    if kind is None:
        if ask is None:
            raise NewEntryError("name the kind: `kb new defect` or `kb new lesson`")
        described = MODELS["defect"].model_fields["kind"].description
        kind = ask.choose(f"kind — {described}", [Choice(k, Kind(k).zh) for k in sorted(MODELS)])
    assert kind is not None
    registry, _ = load_registry(root / config.data_dir, config.data_dir)  # `kb validate` reports its problems
    draft = Draft(kind, root, config, registry)
    asked = _asked(kind, config)

    # Flags first, all of them checked before anything is asked.
    given = {name[len("field_"):]: value for name, value in vars(args).items()
             if name.startswith("field_") and value is not None}
    if kind == "lesson" and "product" in given and "products" not in given:
        given["products"] = given.pop("product")  # `--product` names a lesson's product too
    for name in given:
        if name not in asked:
            raise NewEntryError(f"{flag_of(name)} does not apply to a {kind}")
    for name in asked:  # in asking order: a PM is checked against the product given before it
        if name in given:
            try:
                draft.set(name, draft.parse(name, given[name]))
            except ValueError as exc:
                raise NewEntryError(f"{flag_of(name)}: {exc}") from None
    for item in args.section:
        key_text, sep, text = item.partition("=")
        key = _section_key(config, kind, key_text)
        if not sep or key is None:
            keys = ", ".join(config.kind(kind).sections)
            raise NewEntryError(f"--section `{item}`: write KEY=TEXT with KEY one of {keys}")
        draft.sections[key] = text

    now = _now()
    draft.values.update(kind=kind, status=config.kind(kind).statuses[0])
    for name in NOW_FIELDS & set(MODELS[kind].model_fields):
        draft.values[name] = _default_time(kind, now)

    if ask is not None:
        checked = False
        for name in asked:
            if not checked and name not in ("title", "product", "products"):
                # title and product known: show look-alikes before the rest is typed in
                checked = True
                if not _confirm_similar(draft, ask, stderr):
                    return 1
            if name == "source_defects" and draft.values.get("source_type") not in NEEDS_SOURCE_DEFECTS:
                continue
            if name not in draft.values:
                _ask_field(draft, ask, name, now)
        if not checked and not _confirm_similar(draft, ask, stderr):
            return 1
        for key in _first_status_sections(config, kind):
            if key not in draft.sections:
                spec = config.kind(kind).sections[key]
                text = ask.text(f"{spec.heading} (one paragraph; Enter to write it in the file later)",
                                optional=True)
                if text:
                    draft.sections[key] = text
    else:
        for name in asked:  # a date not given is today's; everything else is left to the template
            if name not in draft.values and _is_time(draft.info(name)):
                draft.values[name] = _default_time(kind, now)
        matches = draft.similar()
        if matches:
            print_similar(matches, stderr)

    draft.values["id"] = next_id(config.kind(kind).id_prefix, draft.catalog.ids)
    text = render_entry(kind, config, draft.values, draft.sections)
    if args.stdout:
        print(text, file=stdout)
        return 0
    path = _write(draft, text)
    print(path, file=stdout)
    _next_steps(draft, path, stderr)
    return 0


def _ask_field(draft: Draft, ask: Prompter, name: str, now: datetime) -> None:
    info = draft.info(name)
    question = f"{name} — {info.description or name}"
    optional = not info.is_required() and name != "source_defects"
    choices = draft.choices(name)
    if choices:
        if _is_list(info):
            draft.set(name, ask.choose_many(question, choices, optional=optional))
        else:
            picked = ask.choose(question, choices, optional=optional)
            if picked is not None:
                draft.set(name, picked)
        return
    default = None
    if _is_time(info):
        value = _default_time(draft.kind, now)
        default = value.isoformat(timespec="minutes") if isinstance(value, datetime) else value.isoformat()
    if _is_list(info):
        question += " (separate several by commas)"

    def check(raw: str) -> str | None:
        try:
            draft.parse(name, raw)
        except ValueError as exc:
            return str(exc)
        return None

    raw = ask.text(question, default=default, optional=optional, check=check)
    if raw is not None:
        draft.set(name, draft.parse(name, raw))


def _confirm_similar(draft: Draft, ask: Prompter, out: TextIO) -> bool:
    matches = draft.similar()
    if not matches:
        return True
    print_similar(matches, out)
    if ask.confirm("Write a new entry anyway?", default=True):
        return True
    ask.say("Nothing written. Add what you know to the existing entry instead.")
    return False


def _write(draft: Draft, text: str) -> Path:
    cfg = draft.config.kind(draft.kind)
    entry_id = draft.values["id"]
    slug = slugify(draft.values.get("title") or "")
    path = draft.root / cfg.folder / (f"{entry_id}-{slug}.md" if slug else f"{entry_id}.md")
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as fh:  # "x": never overwrite an existing file
            fh.write(text)
    except FileExistsError:
        raise NewEntryError(f"{path} already exists; nothing written") from None
    return path


def _next_steps(draft: Draft, path: Path, out: TextIO) -> None:
    empty = [draft.config.kind(draft.kind).sections[k].heading for k in _first_status_sections(draft.config, draft.kind)
             if not draft.sections.get(k, "").strip()]
    notes = []
    missing = [n for n in _asked(draft.kind, draft.config)
               if draft.info(n).is_required() and draft.values.get(n) in (None, "", [])]
    if missing:
        notes.append("fill in " + ", ".join(f"`{n}`" for n in missing))
    if empty:
        notes.append("write " + ", ".join(f"`{h}`" for h in empty))
    for did in draft.values.get("source_defects") or []:
        notes.append(f"add {draft.values['id']} to `related_lessons` of {did} (each names the other)")
    if notes:
        print("Next: " + "; ".join(notes) + f"; then `kb validate {path}`.", file=out)
