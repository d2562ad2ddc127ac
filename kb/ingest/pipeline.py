"""`kb import`: read the files, convert each row, check the would-be entries with the same rules
as `kb validate`, then write the ones that pass (never over an existing file)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from defectkb.body import match_sections, section_table
from defectkb.entries import Entry, KnowledgeBase
from defectkb.ingest.convert import Candidate, Converter, Options
from defectkb.ingest.mapping import load_mapping
from defectkb.ingest.readers import read_file
from defectkb.ingest.report import Report
from defectkb.ingest.writer import append_registry, entry_text, file_name
from defectkb.knowledgebase import load, resolve
from defectkb.loader import Limits, SourceFile, split_text
from defectkb.models import Defect
from defectkb.registry import Person, Product, Registry
from defectkb.rules import RULES
from defectkb.schema_check import validate_entry
from defectkb.templates import next_id


class ImportUsageError(Exception):
    pass


@dataclass
class ImportRequest:
    fmt: str
    files: list[Path]
    target: Path
    mapping: Path | None = None
    product: str | None = None
    pm: str | None = None
    dry_run: bool = False
    update: bool = False
    add_people: bool = False
    add_products: bool = False
    key: str | None = None
    encoding: str | None = None


@dataclass
class _Planned:
    cand: Candidate
    entry_id: str
    path: Path
    update: bool = False
    text: str = ""
    problems: list[str] = field(default_factory=list)


def run_import(req: ImportRequest) -> Report:
    report = Report(dry_run=req.dry_run)
    root, config, _ = resolve(req.target)
    kb = load(root, config, rules=[])
    mapping = load_mapping(req.fmt, req.mapping)
    system = mapping.name or req.fmt
    if req.product and req.product not in kb.registry.products:
        raise ImportUsageError(f"--product {req.product}: not in products.yml")
    if req.pm and req.pm not in kb.registry.people:
        raise ImportUsageError(f"--pm {req.pm}: not in people.yml")
    imported: dict[tuple[str, str], Entry] = {}
    for e in kb.defects:
        if e.model.imported is not None:
            imported[(e.model.imported.system, e.model.imported.key)] = e
    conv = Converter(mapping, kb.registry, config, Options(system=system, product=req.product, pm=req.pm,
                                                           add_people=req.add_people,
                                                           add_products=req.add_products), report)
    candidates: list[tuple[Candidate, Entry | None]] = []
    seen: dict[str, tuple[str, int]] = {}
    for path in req.files:
        shown = str(path)
        table, encoding = read_file(req.fmt, path, req.encoding)
        report.files.append((shown, encoding, len(table.rows)))
        for p in table.problems:
            if req.key and p.row is not None:
                continue  # another record's broken row is not this draft's concern
            report.fail(shown, p.row, p.line, None, [p.message + (f"; {p.hint}" if p.hint else "")])
        conv.use_header(table.header)
        for row in table.rows:
            if row.pull_request:
                report.pull_requests += 1
                continue
            key = conv.one(row, "key")
            if req.key and key != req.key:
                continue
            why = conv.excluded(row)
            if why:
                report.filtered.append((shown, row.number, why))
                continue
            if key and key in seen:
                first = seen[key]
                report.fail(shown, row.number, row.line, key, [f"the key appears again (first in {first[0]} "
                                                               f"row {first[1]}); only the first is taken"])
                continue
            if key:
                seen[key] = (shown, row.number)
            existing = imported.get((mapping.name or system, key or ""))
            if existing is not None:
                mode = existing.model.imported.mode if existing.model.imported else "history"
                if not req.update or (mode == "writeup"):
                    report.skipped_existing.append((key or "", existing.id))
                    if req.update and mode == "writeup":
                        report.note(shown, row.number, f"{existing.id} is a write-up now; not updated")
                    continue
            cand = conv.convert(shown, row)
            if cand is not None:
                candidates.append((cand, existing))
    if req.key and not candidates and not report.failures and not report.skipped_existing:
        raise ImportUsageError(f"no record with the key {req.key} in {', '.join(map(str, req.files))}")

    draft = req.key is not None
    plans = _plan(candidates, kb, draft)
    _resolve_duplicates(plans, imported, report)
    registry = _extended(kb.registry, conv.new_people, conv.new_products, plans)
    plans = _check(plans, kb, registry, draft, report)
    _write(plans, kb, conv, req, report, draft)
    return report


def _plan(candidates: list[tuple[Candidate, Entry | None]], kb: KnowledgeBase, draft: bool) -> list[_Planned]:
    folder = kb.root / kb.config.defect.folder
    known = set(kb.known_ids)
    plans = []
    for cand, existing in candidates:
        if draft:
            cand.fields["imported"]["mode"] = "writeup"
        if existing is not None:
            plans.append(_Planned(cand, existing.id, existing.source.path, update=True))
            continue
        entry_id = next_id(kb.config.defect.id_prefix, known)
        known.add(entry_id)
        plans.append(_Planned(cand, entry_id, folder / file_name(entry_id, cand)))
    return plans


def _resolve_duplicates(plans: list[_Planned], imported: dict[tuple[str, str], Entry], report: Report) -> None:
    by_key = {p.cand.key: p.entry_id for p in plans}
    by_key.update({k: e.id for (_, k), e in imported.items()})
    for p in plans:
        target = p.cand.duplicate_key
        if target is None:
            continue
        found = by_key.get(target)
        if found:
            p.cand.fields["duplicate_of"] = found
        else:
            p.problems.append(f"duplicate of `{target}`, which is not imported; import it too (same run or "
                              "before), or map the resolution to another value")


def _extended(reg: Registry, people: dict[str, str], products: dict[str, str], plans: list[_Planned]) -> Registry:
    pms = {p.cand.fields.get("pm") for p in plans}
    new_people = {pid: Person(name=name[:80], roles=["pm"] if pid in pms else []) for pid, name in people.items()}
    new_products = {key: Product(name=name[:80]) for key, name in products.items()}
    return Registry(people={**reg.people, **new_people}, products={**reg.products, **new_products}, tags=reg.tags)


def _check(plans: list[_Planned], kb: KnowledgeBase, registry: Registry, draft: bool,
           report: Report) -> list[_Planned]:
    """Parse each would-be file and run the rules on the new entries alongside the existing ones."""
    config = kb.config
    limits = Limits(config.max_file_bytes, config.max_yaml_nodes, config.max_yaml_depth)
    names = section_table(config.defect.sections)
    trial = KnowledgeBase(root=kb.root, config=config, registry=registry, by_id=dict(kb.by_id),
                          known_ids=set(kb.known_ids), today=kb.today)
    by_display: dict[str, _Planned] = {}
    for p in plans:
        p.text = entry_text(config, p.cand, p.entry_id, draft=draft)
        display = p.path.relative_to(kb.root).as_posix()
        src = SourceFile(p.path, display, kind="defect")
        split_text(src, p.text, limits)
        model = validate_entry(src, Defect) if src.meta is not None else None
        problems = [f"{d.code} {d.message}" for d in src.diagnostics if d.severity.value == "error"]
        if model is None or problems:
            p.problems += problems or ["the entry does not parse"]
            continue
        assert isinstance(model, Defect)
        entry = Entry(model, src, match_sections(src.headings, names), display)
        trial.sources.append(src)
        trial.entries.append(entry)
        trial.by_id[entry.id] = entry
        trial.known_ids.add(entry.id)
        by_display[display] = p
    if not draft:  # a draft's sections are stubs to be written; `kb validate` reports them
        for rule in RULES:
            for d in rule(trial):
                p = by_display.get(d.path)
                if p is not None and d.severity.value == "error":
                    p.problems.append(f"{d.code} {d.message}" + (f" ({d.hint})" if d.hint else ""))
    ok = []
    for p in plans:
        if p.problems:
            row = p.cand.row
            report.fail(p.cand.file, row.number, row.line, p.cand.key, p.problems)
        else:
            ok.append(p)
    return ok


def _write(plans: list[_Planned], kb: KnowledgeBase, conv: Converter, req: ImportRequest, report: Report,
           draft: bool) -> None:
    written_people: set[str] = set()
    written_products: set[str] = set()
    for p in plans:
        rel = p.path.relative_to(kb.root).as_posix()
        if not req.dry_run:
            p.path.parent.mkdir(parents=True, exist_ok=True)
            try:
                if p.update:
                    p.path.write_text(p.text, encoding="utf-8")
                else:
                    with p.path.open("x", encoding="utf-8") as fh:  # never over an existing file
                        fh.write(p.text)
            except FileExistsError:
                report.fail(p.cand.file, p.cand.row.number, p.cand.row.line, p.cand.key,
                            [f"{rel} exists; not overwritten"])
                continue
        (report.updated if p.update else report.created).append((p.entry_id, p.cand.key, rel))
        written_people |= p.cand.people
        written_products.add(p.cand.fields.get("product") or "")
    data = kb.root / kb.config.data_dir
    stamp = f"added by kb import ({conv.opt.system}, {conv.opt.now.date().isoformat()})"
    pms = {p.cand.fields.get("pm") for p in plans}
    people = {pid: {"name": name, "roles": ["pm"] if pid in pms else []}
              for pid, name in conv.new_people.items() if pid in written_people}
    products = {key: {"name": name} for key, name in conv.new_products.items() if key in written_products}
    for name, records in (("people.yml", people), ("products.yml", products)):
        if records:
            path = data / name
            report.registry_writes.append(f"{path.relative_to(kb.root).as_posix()}: {', '.join(records)}")
            if not req.dry_run:
                append_registry(path, records, stamp)
