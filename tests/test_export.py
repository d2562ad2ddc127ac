"""`kb export` and the site's api/entries.json: versioned, one record per entry, counts that round-trip."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from conftest import CONTENT, ROOT
from test_import import FIX, kb


def entry_files(root: Path) -> int:
    return sum(1 for folder in ("defects", "lessons") for _ in (root / folder).glob("*.md"))


def test_export_formats_round_trip_counts(kb_dir: Path, tmp_path: Path):
    assert kb("import", "github", str(FIX / "github-gh.json"), "--pm", "sarah.kim", "--product", "open-api",
              cwd=kb_dir).returncode == 0
    total = entry_files(kb_dir)
    assert total == 4
    r = kb("export", cwd=kb_dir)
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["version"] == 1 and data["count"] == total == len(data["entries"])
    ids = [e["id"] for e in data["entries"]]
    assert ids == sorted(ids) and len(set(ids)) == total
    gh = [e for e in data["entries"] if e.get("imported")]
    assert {e["imported"]["key"] for e in gh} == {"acme/open-api#381", "acme/open-api#385"}
    out = tmp_path / "x.jsonl"
    assert kb("export", "--format", "jsonl", "--kind", "defect", "--output", str(out), cwd=kb_dir).returncode == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(lines) == total - 1 and all(e["kind"] == "defect" for e in lines)
    r = kb("export", "--format", "csv", cwd=kb_dir)
    rows = list(csv.DictReader(io.StringIO(r.stdout)))
    assert len(rows) == total and {r["imported_key"] for r in rows} >= {"acme/open-api#381"}


def test_api_entries_json_in_the_built_site(built_site: Path):
    api = json.loads((built_site / "api" / "entries.json").read_text(encoding="utf-8"))
    files = sorted(p.stem for folder in ("defects", "lessons") for p in (CONTENT / folder).glob("*.md"))
    assert api["version"] == 1 and api["count"] == len(files) == len(api["entries"])
    for record in api["entries"]:
        assert set(record) == {"id", "kind", "title", "status", "severity", "product", "pm", "reported", "resolved",
                               "closed", "tags", "imported", "url"}
        page = built_site / record["url"] / "index.html"
        assert page.is_file(), record["url"]
    by_kind = {k: json.loads((built_site / "api" / f"{k}s.json").read_text(encoding="utf-8")) for k in ("defect", "lesson")}
    assert by_kind["defect"]["count"] + by_kind["lesson"]["count"] == api["count"]
    raw = (built_site / "api" / "entries.json").read_text(encoding="utf-8")
    assert ", " not in raw[:200] and "\n" not in raw  # compact


def test_docs_list_the_presets_and_mappings():
    text = (ROOT / "docs" / "import.md").read_text(encoding="utf-8")
    for name in ("jira-csv", "jira-xml", "github", "bugzilla-csv", "zentao-csv", "pingcode.yml", "tapd.yml"):
        assert name in text


def test_api_files_are_what_one_json_dump_of_each_file_writes():
    """api/*.json are joined from records encoded one by one (so the preview can keep them): the
    bytes are those of json.dumps over each whole file."""
    import json

    from conftest import CONTENT, load_dir
    from defectkb.ingest.export import VERSION, api_files, api_record

    kb = load_dir(CONTENT)
    files = api_files(kb, lambda e: f"/kb/{e.rel_path}")
    ordered = sorted(kb.entries, key=lambda e: e.id)
    for name, kinds in (("entries", ("defect", "lesson")), ("defects", ("defect",)), ("lessons", ("lesson",))):
        items = [api_record(e, f"/kb/{e.rel_path}") for kind in kinds for e in ordered if e.kind == kind]
        whole = json.dumps({"version": VERSION, "count": len(items), "entries": items}, ensure_ascii=False,
                           separators=(",", ":"))
        assert files[f"api/{name}.json"] == whole
        assert json.loads(whole)["count"] == len(items) > 0
