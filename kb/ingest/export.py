"""The knowledge base out: `kb export` (json, jsonl, csv) and the site's api/entries.json.

Both carry `"version": 1`; the fields are documented in docs/api.md.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from defectkb.entries import Entry, KnowledgeBase

VERSION = 1
# api/entries.json: one compact record per entry
API_FIELDS = ("id", "kind", "title", "status", "severity", "product", "pm", "reported", "resolved", "closed",
              "tags", "imported", "url")
# kb export: every front-matter field, dates as ISO 8601, plus the file's path
CSV_FIELDS = ("id", "kind", "title", "status", "severity", "priority", "product", "component", "pm", "reporter",
              "assignee", "verifier", "resolution", "online", "reported_at", "resolved_at", "closed_at", "tags",
              "imported_system", "imported_key", "path")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def api_record(entry: Entry, url: str) -> dict[str, Any]:
    m = entry.model
    defect = entry.kind == "defect"
    start = m.reported_at if defect else m.created_at
    end = m.resolved_at if defect else m.published_at
    return {
        "id": entry.id, "kind": entry.kind, "title": m.title, "status": m.status.value,
        "severity": m.severity.value, "product": m.product if defect else list(m.products), "pm": m.pm,
        "reported": _iso(start), "resolved": _iso(end), "closed": _iso(m.closed_at) if defect else None,
        "tags": list(m.tags),
        "imported": ({"system": m.imported.system, "key": m.imported.key, "mode": m.imported.mode}
                     if defect and m.imported else None),
        "url": url,
    }


def api_files(kb: KnowledgeBase, url_of: Callable[[Entry], str], prefix: str = "api",
              record_json: Callable[[Entry], str] | None = None) -> dict[str, str]:
    """api/entries.json (every entry) and api/defects.json, api/lessons.json (one kind each):
    compact JSON, so 100,000 entries stay in the tens of megabytes and a client can load one kind.
    `record_json` gives an entry's record as JSON (the preview keeps them while entries are
    unchanged); each record is encoded once for both files it is in."""
    encode = record_json or (lambda e: compact_json(api_record(e, url_of(e))))
    records: dict[str, list[str]] = {"defect": [], "lesson": []}
    for e in sorted(kb.entries, key=lambda e: e.id):
        records[e.kind].append(encode(e))

    def dump(items: list[str]) -> str:  # what json.dumps of the whole writes, record by record
        return f'{{"version":{VERSION},"count":{len(items)},"entries":[{",".join(items)}]}}'

    return {
        f"{prefix}/entries.json": dump(records["defect"] + records["lesson"]),
        f"{prefix}/defects.json": dump(records["defect"]),
        f"{prefix}/lessons.json": dump(records["lesson"]),
    }


def compact_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def full_record(entry: Entry) -> dict[str, Any]:
    data = entry.model.model_dump(mode="json", exclude_none=True)
    data["path"] = entry.rel_path
    return data


def export(kb: KnowledgeBase, fmt: str, kind: str | None = None) -> Iterable[str]:
    """The export as chunks of text, entry by entry (a file of 100,000 entries is never one string)."""
    entries = sorted((e for e in kb.entries if kind is None or e.kind == kind), key=lambda e: e.id)
    if fmt == "jsonl":
        for e in entries:
            yield json.dumps(full_record(e), ensure_ascii=False, separators=(",", ":")) + "\n"
    elif fmt == "json":
        yield f'{{"version":{VERSION},"count":{len(entries)},"entries":['
        for i, e in enumerate(entries):
            yield ("," if i else "") + "\n" + json.dumps(full_record(e), ensure_ascii=False, separators=(",", ":"))
        yield "\n]}\n"
    else:
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(CSV_FIELDS)
        for e in entries:
            m = e.model
            d = e.kind == "defect"
            imp = m.imported if d else None
            writer.writerow([
                e.id, e.kind, m.title, m.status.value, m.severity.value,
                (m.priority.value if m.priority else "") if d else "",
                m.product if d else " ".join(m.products), (m.component or "") if d else "", m.pm,
                m.reporter if d else " ".join(m.authors), (m.assignee or "") if d else "",
                (m.verifier or "") if d else "", (m.resolution.value if m.resolution else "") if d else "",
                ("true" if m.online else "false") if d else "",
                _iso(m.reported_at if d else m.created_at) or "", (_iso(m.resolved_at) or "") if d else "",
                (_iso(m.closed_at) or "") if d else "", " ".join(m.tags),
                imp.system if imp else "", imp.key if imp else "", e.rel_path,
            ])
            yield buf.getvalue()
            buf.seek(0)
            buf.truncate()
