"""`kb import` as users run it: a real process on the fixture exports, real files written."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, mkdocs_build
from defectkb.ingest.decode import decode
from defectkb.ingest.table import read_csv

FIX = ROOT / "tests" / "fixtures" / "imports"
KB = [sys.executable, "-m", "defectkb"]


def kb(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([*KB, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


def imported(root: Path) -> dict[str, dict]:
    out = {}
    for path in sorted((root / "defects").glob("*.md")):
        meta = yaml.safe_load(path.read_text(encoding="utf-8").split("\n---", 1)[0].removeprefix("---\n"))
        if meta.get("imported"):
            out[str(meta["imported"]["key"])] = {**meta, "_path": path}
    return out


def report(r: subprocess.CompletedProcess[str]) -> dict:
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    return json.loads(r.stdout)


def test_jira_server_csv(kb_dir: Path):
    r = kb("import", "jira-csv", str(FIX / "jira-server.csv"), "--mapping", str(FIX / "jira-mapping.yml"),
           "--pm", "zhang.wei", "--report-format", "json", cwd=kb_dir)
    assert r.returncode == 1  # a broken row and an unknown person; the rest is written
    data = report(r)
    assert data["counts"] == {"created": 3, "updated": 0, "skipped_existing": 0, "pull_requests_skipped": 0,
                              "filtered": 1, "failed": 2}
    broken = next(f for f in data["failures"] if f["row"] == 4)
    assert broken["line"] == 8 and "6 fields, the header has 33" in broken["reasons"][0]
    assert data["unknown_people"] == [{"value": "Wang Xiaoming", "rows": [{"file": str(FIX / "jira-server.csv"),
                                                                             "row": 6}], "added_as": None}]
    entries = imported(kb_dir)
    assert set(entries) == {"BILL-1042", "BILL-1043", "BILL-1046"}
    bill = entries["BILL-1042"]
    # repeated columns keep every value: both affects versions, both labels known as tags, the third kept
    assert bill["affected_versions"] == ["2.3.0", "2.3.1"]
    assert bill["tags"] == ["precision", "data-quality"]
    assert bill["imported"]["labels"] == ["Reports"]
    assert bill["component"] == "invoice-export" and bill["severity"] == "serious" and bill["status"] == "closed"
    assert bill["imported"]["url"] == "https://jira.example.com/browse/BILL-1042"
    body = bill["_path"].read_text(encoding="utf-8")
    assert body.count("\n- **chen.jie") == 2  # both Comment columns
    assert "\\# Not a heading" in body  # source text cannot pose as a section
    assert entries["BILL-1046"]["duplicate_of"] == bill["id"] and entries["BILL-1046"]["status"] == "rejected"
    v = kb("validate", ".", cwd=kb_dir)
    assert v.returncode == 0, v.stdout


def test_jira_cloud_current_fields(kb_dir: Path):
    r = kb("import", "jira-csv", str(FIX / "jira-cloud.csv"), "--mapping", str(FIX / "jira-mapping.yml"),
           "--pm", "emily.chen", "--product", "mobile-app", cwd=kb_dir)
    assert r.returncode == 0, r.stdout
    entries = imported(kb_dir)
    mob = entries["MOB-7"]
    assert mob["affected_versions"] == ["5.2.0", "5.1.9"] and mob["fixed_version"] == "5.2.1"
    assert mob["assignee"] == "zhao.lei" and mob["component"] == "login" and mob["resolution"] == "fixed"
    assert entries["MOB-8"]["status"] == "new"


def test_jira_xml(kb_dir: Path, tmp_path: Path):
    xml = tmp_path / "SearchRequest.xml"
    xml.write_text("""<?xml version="1.0" encoding="UTF-8"?>
<rss version="0.92"><channel><title>Jira</title><link>https://jira.example.com</link>
<issue start="0" end="1" total="1"/>
<item><title>[BILL-2001] Tax rounding</title><link>https://jira.example.com/browse/BILL-2001</link>
<project id="1" key="BILL">Billing Platform</project>
<description>&lt;p&gt;Tax is rounded &lt;b&gt;per line&lt;/b&gt;.&lt;/p&gt;</description>
<key id="2001">BILL-2001</key><summary>Tax rounding differs from the invoice</summary>
<type id="1">Bug</type><priority id="2">High</priority><status id="5">Resolved</status>
<resolution id="1">Fixed</resolution><assignee username="chen.jie">Chen Jie</assignee>
<reporter username="sun.li">Sun Li</reporter><labels><label>precision</label></labels>
<created>Tue, 3 Jun 2025 10:05:00 +0800</created><updated>Thu, 5 Jun 2025 18:30:00 +0800</updated>
<resolved>Thu, 5 Jun 2025 18:30:00 +0800</resolved><version>2.3.1</version><fixVersion>2.3.2</fixVersion>
<component>Invoice export</component>
<comments><comment id="1" author="chen.jie" created="Wed, 4 Jun 2025 14:10:00 +0800">Confirmed.</comment></comments>
<customfields><customfield id="customfield_10100"><customfieldname>Severity</customfieldname>
<customfieldvalues><customfieldvalue>Critical</customfieldvalue></customfieldvalues></customfield></customfields>
</item></channel></rss>""", encoding="utf-8")
    r = kb("import", "jira-xml", str(xml), "--mapping", str(FIX / "jira-mapping.yml"), "--pm", "zhang.wei",
           cwd=kb_dir)
    assert r.returncode == 0, r.stdout
    e = imported(kb_dir)["BILL-2001"]
    assert e["severity"] == "fatal" and e["status"] == "testing" and e["tags"] == ["precision"]
    assert "Tax is rounded per line." in e["_path"].read_text(encoding="utf-8")
    assert str(e["reported_at"]).startswith("2025-06-03 10:05:00+08:00")


def test_jira_xml_rejects_entities(kb_dir: Path, tmp_path: Path):
    xml = tmp_path / "bomb.xml"
    xml.write_text('<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa">]><rss><channel><item>&a;</item>'
                   "</channel></rss>", encoding="utf-8")
    r = kb("import", "jira-xml", str(xml), "--pm", "zhang.wei", cwd=kb_dir)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert "not a readable Jira XML export" in r.stdout


def test_github_gh_and_rest(kb_dir: Path):
    r = kb("import", "github", str(FIX / "github-gh.json"), str(FIX / "github-rest.json"), "--pm", "sarah.kim",
           "--product", "open-api", "--report-format", "json", cwd=kb_dir)
    data = report(r)
    assert r.returncode == 0
    assert data["counts"]["created"] == 3 and data["counts"]["pull_requests_skipped"] == 1
    entries = imported(kb_dir)
    assert set(entries) == {"acme/open-api#381", "acme/open-api#385", "acme/open-api#390"}
    assert entries["acme/open-api#390"]["status"] == "rejected"
    assert entries["acme/open-api#390"]["resolution"] == "wont_fix"
    assert entries["acme/open-api#381"]["tags"] == ["retry"] and entries["acme/open-api#381"]["imported"]["labels"] == ["bug"]


def test_bugzilla_latin1(kb_dir: Path):
    r = kb("import", "bugzilla-csv", str(FIX / "bugzilla.csv"), "--mapping", str(FIX / "bugzilla-mapping.yml"),
           "--pm", "david.miller", "--report-format", "json", cwd=kb_dir)
    data = report(r)
    assert r.returncode == 0, data["failures"]
    assert data["files"][0]["encoding"] == "cp1252"
    assert data["counts"]["filtered"] == 1  # the enhancement
    e = imported(kb_dir)
    assert "(Müller)" in e["1201"]["title"] and e["1201"]["environment"] == "Linux / x86_64"
    assert e["1202"]["status"] == "rejected" and e["1202"]["resolution"] == "cannot_reproduce"


def test_zentao_gbk(kb_dir: Path):
    raw = (FIX / "zentao-gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text, encoding = decode(raw)
    assert encoding == "gb18030" and "Bug编号" in text
    table = read_csv(text)
    assert table.header[-1] == "附件" and not table.problems  # the trailing empty field is dropped
    r = kb("import", "zentao-csv", str(FIX / "zentao-gbk.csv"), "--mapping", str(FIX / "zentao-mapping.yml"),
           "--pm", "zhang.wei", "--report-format", "json", cwd=kb_dir)
    data = report(r)
    assert r.returncode == 1
    assert data["unknown_values"] == [{"field": "status", "value": "挂起中",
                                       "rows": [{"file": str(FIX / "zentao-gbk.csv"), "row": 4}]}]
    e = imported(kb_dir)
    assert set(e) == {"88", "89", "90"}
    first = e["88"]
    assert first["product"] == "billing" and first["component"] == "invoice-export" and first["reporter"] == "sun.li"
    assert first["affected_versions"] == ["v2.3.1"] and first["fixed_version"] == "v2.3.2"
    text = first["_path"].read_text(encoding="utf-8")
    assert "### Steps to Reproduce / 复现步骤" in text and "批量导出“含明细”的发票" in text  # curly quotes kept
    assert e["89"]["status"] == "new" and "resolved_at" not in e["89"]  # 0000-00-00 is empty
    assert e["90"]["status"] == "rejected" and e["90"]["resolution"] == "by_design"


def test_utf16_tab_separated_with_shipped_mapping(kb_dir: Path):
    r = kb("import", "csv", str(FIX / "tapd-utf16.txt"), "--mapping", str(FIX / "tapd-mapping.yml"),
           "--pm", "wang.fang", "--product", "mobile-app", cwd=kb_dir)
    assert r.returncode == 0, r.stdout
    e = imported(kb_dir)
    assert e["1010001"]["severity"] == "serious" and e["1010001"]["component"] == "checkout"
    assert e["1010002"]["online"] is True and e["1010002"]["found_phase"] == "production"
    assert "第二行说明" in e["1010001"]["_path"].read_text(encoding="utf-8")  # multi-line cell


def test_crlf_multiline_and_latin1_generic_csv(kb_dir: Path, tmp_path: Path):
    path = tmp_path / "other.csv"
    path.write_bytes(('Id;Title;State;Sev;By;Opened\r\nX-1;"Caf\xe9 menu\r\nbreaks";Open;High;Ren\xe9e;03.06.2025\r\n'
                      "X-2;Second bug here;Weird;High;sun.li;04.06.2025\r\n").encode("latin-1"))
    mapping = tmp_path / "map.yml"
    mapping.write_text("name: other\ncolumns: {key: Id, title: Title, status: State, severity: Sev, reporter: By,"
                       " created: Opened}\nvalues: {status: {Open: new}, severity: {High: serious}}\n"
                       "people: {Renée: sun.li}\ndate_formats: ['%d.%m.%Y']\n", encoding="utf-8")
    r = kb("import", "csv", str(path), "--mapping", str(mapping), "--pm", "zhang.wei", "--product", "billing",
           "--report-format", "json", cwd=kb_dir)
    data = report(r)
    assert r.returncode == 1 and data["counts"]["created"] == 1
    assert data["failures"][0]["row"] == 2 and "unknown status `Weird`" in data["failures"][0]["reasons"][0]
    e = imported(kb_dir)["X-1"]
    assert e["title"] == "Café menu breaks" and e["reporter"] == "sun.li"


def test_reimport_skips_and_update(kb_dir: Path):
    args = ["import", "jira-csv", str(FIX / "jira-cloud.csv"), "--mapping", str(FIX / "jira-mapping.yml"),
            "--pm", "emily.chen", "--product", "mobile-app", "--report-format", "json"]
    assert kb(*args, cwd=kb_dir).returncode == 0
    before = {k: v["_path"].read_text(encoding="utf-8") for k, v in imported(kb_dir).items()}
    again = report(kb(*args, cwd=kb_dir))
    assert again["counts"]["created"] == 0 and again["counts"]["skipped_existing"] == 2
    assert {k: v["_path"].read_text(encoding="utf-8") for k, v in imported(kb_dir).items()} == before
    updated = report(kb(*args, "--update", cwd=kb_dir))
    assert updated["counts"]["updated"] == 2 and updated["counts"]["created"] == 0
    assert len(list((kb_dir / "defects").glob("*.md"))) == 3


def test_unknown_people_listed_and_added_only_when_asked(kb_dir: Path):
    people = kb_dir / "_data" / "people.yml"
    original = people.read_text(encoding="utf-8")
    args = ["import", "jira-csv", str(FIX / "jira-server.csv"), "--mapping", str(FIX / "jira-mapping.yml"),
            "--pm", "zhang.wei"]
    r = kb(*args, cwd=kb_dir)
    assert "Unknown people:\n  Wang Xiaoming (rows 6)" in r.stdout
    assert people.read_text(encoding="utf-8") == original
    r = kb(*args, "--add-people", "--dry-run", cwd=kb_dir)
    assert "would be added as `wang.xiaoming`" in r.stdout and people.read_text(encoding="utf-8") == original
    r = kb(*args, "--add-people", cwd=kb_dir)
    text = people.read_text(encoding="utf-8")
    assert text.startswith(original) and 'wang.xiaoming:\n  name: Wang Xiaoming\n' in text
    assert "BILL-1047" in imported(kb_dir)
    assert kb("validate", ".", cwd=kb_dir).returncode == 0


def test_dry_run_writes_nothing(kb_dir: Path):
    before = sorted(p.name for p in (kb_dir / "defects").iterdir())
    r = kb("import", "github", str(FIX / "github-gh.json"), "--pm", "sarah.kim", "--product", "open-api",
           "--dry-run", cwd=kb_dir)
    assert r.returncode == 0 and "Dry run: 2 would be created" in r.stdout
    assert sorted(p.name for p in (kb_dir / "defects").iterdir()) == before


def test_key_draft_has_every_section_stubbed(kb_dir: Path):
    r = kb("import", "jira-csv", str(FIX / "jira-server.csv"), "--mapping", str(FIX / "jira-mapping.yml"),
           "--pm", "zhang.wei", "--key", "BILL-1042", cwd=kb_dir)
    assert r.returncode == 0, r.stdout
    e = imported(kb_dir)
    assert list(e) == ["BILL-1042"] and e["BILL-1042"]["imported"]["mode"] == "writeup"
    text = e["BILL-1042"]["_path"].read_text(encoding="utf-8")
    for heading in ("## Description / 缺陷描述", "### Steps to Reproduce / 复现步骤", "### Expected Result / 预期结果",
                    "### Actual Result / 实际结果", "## Impact / 影响范围", "## Analysis / 原因分析",
                    "## Solution / 解决方案", "## Test Method / 测试方法", "## Verification / 验证结果"):
        assert heading in text
    assert "<!-- TODO:" in text
    v = kb("validate", ".", cwd=kb_dir)
    assert v.returncode == 1 and "KB203" in v.stdout  # a draft to write: the rules apply in full


def test_usage_errors(kb_dir: Path):
    assert kb("import", "nope", str(FIX / "bugzilla.csv"), cwd=kb_dir).returncode == 2
    r = kb("import", "csv", str(FIX / "missing.csv"), cwd=kb_dir)
    assert r.returncode == 2 and "file not found" in r.stderr
    bad = kb_dir / "bad.yml"
    bad.write_text("columns:\n  titel: Summary\n", encoding="utf-8")
    r = kb("import", "csv", str(FIX / "bugzilla.csv"), "--mapping", str(bad), cwd=kb_dir)
    assert r.returncode == 2 and "bad.yml:2:" in r.stderr and "unknown field 'titel'" in r.stderr


def test_imported_entries_build_and_page_lists_missing_sections(kb_dir: Path, tmp_path: Path):
    assert kb("import", "zentao-csv", str(FIX / "zentao-gbk.csv"), "--mapping", str(FIX / "zentao-mapping.yml"),
              "--pm", "zhang.wei", cwd=kb_dir).returncode == 1
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"site_name: t\ndocs_dir: {kb_dir}\ntheme: {{name: material}}\nplugins:\n  - defectkb:\n"
                      "      search: none\nvalidation: {nav: {omitted_files: ignore}}\n", encoding="utf-8")
    site = tmp_path / "site"
    result = mkdocs_build(config, site)
    assert result.returncode == 0, result.stderr
    entry = imported(kb_dir)["88"]
    page = site / "defects" / entry["_path"].stem / "index.html"
    html = page.read_text(encoding="utf-8")
    assert "Sections still to write" in html and "Analysis / 原因分析" in html and "Impact / 影响范围" in html
    assert "https://zentao.example.com/bug-view-88.html" in html
    index = (site / "defects" / "index.html").read_text(encoding="utf-8")
    assert 'name="origin"' in index and 'data-origin="imported"' in index and 'data-origin="written"' in index
    api = json.loads((site / "api" / "entries.json").read_text(encoding="utf-8"))
    assert api["version"] == 1 and api["count"] == len(api["entries"]) == 5
    rec = next(r for r in api["entries"] if r["id"] == entry["id"])
    assert rec["imported"] == {"system": "zentao", "key": "88", "mode": "history"} and rec["product"] == "billing"
