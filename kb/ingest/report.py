"""What an import did, row by row: counts, every row not taken with its reason, and the
people, products and values the mapping and registries did not know."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass(slots=True)
class Failure:
    file: str
    row: int | None
    line: int | None
    key: str | None
    reasons: list[str]

    def as_dict(self) -> dict[str, object]:
        return {"file": self.file, "row": self.row, "line": self.line, "key": self.key, "reasons": self.reasons}


@dataclass
class Report:
    dry_run: bool = False
    created: list[tuple[str, str, str]] = field(default_factory=list)  # (id, key, path)
    updated: list[tuple[str, str, str]] = field(default_factory=list)
    skipped_existing: list[tuple[str, str]] = field(default_factory=list)  # (key, id)
    pull_requests: int = 0
    filtered: list[tuple[str, int, str]] = field(default_factory=list)  # (file, row, why)
    failures: list[Failure] = field(default_factory=list)
    notes: list[tuple[str, int, str]] = field(default_factory=list)
    files: list[tuple[str, str, int]] = field(default_factory=list)  # (file, encoding, rows)
    # value -> {"rows": [(file, row)], "added": id or None}
    people: dict[str, dict[str, object]] = field(default_factory=dict)
    products: dict[str, dict[str, object]] = field(default_factory=dict)
    values: dict[tuple[str, str], list[tuple[str, int]]] = field(default_factory=lambda: defaultdict(list))
    registry_writes: list[str] = field(default_factory=list)

    # -- recording ---------------------------------------------------------------------------
    def fail(self, file: str, row: int | None, line: int | None, key: str | None, reasons: list[str]) -> None:
        self.failures.append(Failure(file, row, line, key, reasons))

    def note(self, file: str, row: int, message: str) -> None:
        self.notes.append((file, row, message))

    def _unknown(self, table: dict[str, dict[str, object]], value: str, file: str, row: int,
                 added: str | None) -> None:
        item = table.setdefault(value, {"rows": [], "added": added})
        rows = item["rows"]
        assert isinstance(rows, list)
        if (file, row) not in rows:
            rows.append((file, row))
        if added:
            item["added"] = added

    def unknown_person(self, value: str, file: str, row: int, added: str | None) -> None:
        self._unknown(self.people, value, file, row, added)

    def unknown_product(self, value: str, file: str, row: int, added: str | None) -> None:
        self._unknown(self.products, value, file, row, added)

    def unknown_value(self, name: str, value: str, file: str, row: int) -> None:
        self.values[(name, value)].append((file, row))

    # -- outcome -----------------------------------------------------------------------------
    @property
    def failed(self) -> int:
        return len(self.failures)

    def counts(self) -> dict[str, int]:
        return {"created": len(self.created), "updated": len(self.updated),
                "skipped_existing": len(self.skipped_existing), "pull_requests_skipped": self.pull_requests,
                "filtered": len(self.filtered), "failed": self.failed}

    def as_dict(self) -> dict[str, object]:
        def rows(items: list[tuple[str, int]]) -> list[dict[str, object]]:
            return [{"file": f, "row": r} for f, r in items]

        return {
            "version": 1,
            "dry_run": self.dry_run,
            "counts": self.counts(),
            "files": [{"file": f, "encoding": e, "rows": n} for f, e, n in self.files],
            "created": [{"id": i, "key": k, "path": p} for i, k, p in self.created],
            "updated": [{"id": i, "key": k, "path": p} for i, k, p in self.updated],
            "skipped_existing": [{"key": k, "id": i} for k, i in self.skipped_existing],
            "filtered": [{"file": f, "row": r, "reason": why} for f, r, why in self.filtered],
            "failures": [f.as_dict() for f in self.failures],
            "notes": [{"file": f, "row": r, "message": m} for f, r, m in self.notes],
            "unknown_people": [{"value": v, "rows": rows(d["rows"]), "added_as": d["added"]}  # type: ignore[arg-type]
                               for v, d in sorted(self.people.items())],
            "unknown_products": [{"value": v, "rows": rows(d["rows"]), "added_as": d["added"]}  # type: ignore[arg-type]
                                 for v, d in sorted(self.products.items())],
            "unknown_values": [{"field": n, "value": v, "rows": rows(r)} for (n, v), r in sorted(self.values.items())],
            "registry_writes": self.registry_writes,
        }

    def render(self, fmt: str) -> str:
        if fmt == "json":
            return json.dumps(self.as_dict(), ensure_ascii=False, indent=2)
        return self._text()

    def _text(self) -> str:
        out: list[str] = []
        would = "would be " if self.dry_run else ""
        for f in self.failures:
            where = f"{f.file}:row {f.row}" if f.row is not None else f.file
            if f.line:
                where += f" (line {f.line})"
            key = f" [{f.key}]" if f.key else ""
            out.append(f"{where}{key}: " + "; ".join(f.reasons))
        for file, row, message in self.notes:
            out.append(f"{file}:row {row}: note: {message}")

        def listing(title: str, table: dict[str, dict[str, object]]) -> None:
            if not table:
                return
            out.append(title)
            for value, item in sorted(table.items()):
                rows = item["rows"]
                assert isinstance(rows, list)
                shown = ", ".join(str(r) for _, r in rows[:20]) + (" ..." if len(rows) > 20 else "")
                added = f" → {would}added as `{item['added']}`" if item["added"] else ""
                out.append(f"  {value!s} (rows {shown}){added}")

        listing("Unknown people:", self.people)
        listing("Unknown products:", self.products)
        if self.values:
            out.append("Unknown values:")
            for (name, value), rows in sorted(self.values.items()):
                out.append(f"  {name} `{value}` (rows {', '.join(str(r) for _, r in rows[:20])})")
        for path in self.registry_writes:
            out.append(f"{would}appended to {path}")
        c = self.counts()
        out.append(
            f"{'Dry run: ' if self.dry_run else ''}{c['created']} {would}created, {c['updated']} {would}updated, "
            f"{c['skipped_existing']} skipped as already imported, {c['pull_requests_skipped']} pull requests "
            f"skipped, {c['filtered']} left out by the mapping, {c['failed']} failed."
        )
        return "\n".join(out)
