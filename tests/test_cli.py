"""The `kb` command as users run it: a real process, real files, three output formats."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import DEFECT, LESSON, ROOT, edit

KB = [sys.executable, "-m", "defectkb"]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([*KB, *args], cwd=cwd, capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture
def broken(kb_dir: Path) -> Path:
    edit(kb_dir / DEFECT, ("severity: serious", "severity: critical"), ("pm: zhang.wei", "pm: zhang.wie"))
    edit(kb_dir / LESSON, ("status: published\n", "status: published\nstatus: draft\n"))
    (kb_dir / "defects" / "DEF-0100-bad.md").write_text("---\ntitle: [x\n---\n", encoding="utf-8")
    return kb_dir


def test_text_format(broken: Path):
    r = run("validate", ".", cwd=broken)
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    lines = r.stdout.splitlines()
    assert "defects/DEF-0001-invoice-export-loses-cents.md:8:5: KB401 unknown person `zhang.wie`" in lines
    assert "  hint: did you mean `zhang.wei`?" in lines
    assert any(line.startswith("defects/DEF-0001-invoice-export-loses-cents.md:13:11: KB104 ") for line in lines)
    assert any(line.startswith("lessons/LES-0001-money-as-decimal-end-to-end.md:6:1: KB007 ") for line in lines)
    assert any(line.startswith("defects/DEF-0100-bad.md:3:1: KB005 ") for line in lines)
    assert lines[-1] == "Found 4 errors in 3 files (checked 3 files, 1 entries)."


def test_json_format(broken: Path):
    r = run("validate", ".", "--format", "json", cwd=broken)
    assert r.returncode == 1
    data = json.loads(r.stdout)
    assert set(data) == {"diagnostics", "summary"}
    assert data["summary"] == {"files": 3, "entries": 1, "errors": 4, "warnings": 0}
    first = data["diagnostics"][0]
    assert set(first) == {"path", "line", "column", "code", "severity", "message", "hint"}
    assert {(d["code"], d["line"], d["column"]) for d in data["diagnostics"]} >= {("KB401", 8, 5), ("KB104", 13, 11)}


def test_github_format(broken: Path):
    r = run("validate", ".", "--format", "github", cwd=broken)
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert ("::error file=defects/DEF-0001-invoice-export-loses-cents.md,line=8,col=5,title=KB401::"
            "unknown person `zhang.wie`%0Ahint: did you mean `zhang.wei`?") in lines
    assert all(line.startswith(("::error ", "::warning ")) for line in lines)


def test_warning_only_exits_zero(kb_dir: Path):
    (kb_dir / "defects" / "notes.txt").write_text("x", encoding="utf-8")
    r = run("validate", ".", cwd=kb_dir)
    assert r.returncode == 0
    assert "KB011" in r.stdout and "(warning)" in r.stdout


def test_clean_exit_zero(kb_dir: Path):
    r = run("validate", cwd=kb_dir)
    assert r.returncode == 0
    assert r.stdout.strip() == "All checks passed (2 files, 2 entries)."


def test_single_file_filters_but_resolves_references(broken: Path):
    r = run("validate", "lessons/LES-0001-money-as-decimal-end-to-end.md", cwd=broken)
    assert r.returncode == 1
    diagnostics = [line for line in r.stdout.splitlines() if ": KB" in line]
    assert diagnostics and all(line.startswith("lessons/LES-0001-") for line in diagnostics)
    assert any(" KB007 " in line for line in diagnostics)


def test_usage_errors_exit_two(kb_dir: Path):
    assert run("validate", "nope", cwd=kb_dir).returncode == 2
    assert run("validate", "--format", "xml", cwd=kb_dir).returncode == 2
    assert run("frobnicate", cwd=kb_dir).returncode == 2
    bad = run("explain", "KB999", cwd=kb_dir)
    assert bad.returncode == 2 and "unknown code KB999" in bad.stderr


def test_bad_config_exits_two_with_position(kb_dir: Path):
    (kb_dir / "kb.yml").write_text("content_dir: .\nmax_file_bytes: lots\n", encoding="utf-8")
    r = run("validate", ".", cwd=kb_dir)
    assert r.returncode == 1
    assert "kb.yml:2:17: KB602 max_file_bytes:" in r.stdout


def test_config_moves_content(tmp_path: Path, kb_dir: Path):
    repo = tmp_path / "repo"
    shutil.copytree(kb_dir, repo / "kb-content")
    (repo / "kb.yml").write_text("content_dir: kb-content\n", encoding="utf-8")
    r = run("validate", cwd=repo)
    assert r.returncode == 0, r.stdout
    assert "2 entries" in r.stdout


def test_schema_is_json_schema(kb_dir: Path):
    jsonschema = pytest.importorskip("jsonschema")
    r = run("schema", cwd=kb_dir)
    assert r.returncode == 0
    schema = json.loads(r.stdout)
    jsonschema.Draft202012Validator.check_schema(schema)
    defect = json.loads(run("schema", "--kind", "defect", cwd=kb_dir).stdout)
    jsonschema.Draft202012Validator.check_schema(defect)
    assert "severity" in defect["required"]
    severity = defect["$defs"]["Severity"]
    assert severity["enum"] == ["fatal", "serious", "normal", "minor"]
    assert severity["x-labels-zh"]["fatal"] == "致命"
    assert defect["additionalProperties"] is False


def test_new_writes_a_template_that_names_what_to_fill(kb_dir: Path):
    r = run("new", "defect", "--title", "Export times out", "--product", "billing", "--pm", "zhang.wei", cwd=kb_dir)
    assert r.returncode == 0, r.stderr
    path = Path(r.stdout.strip())
    assert path.name == "DEF-0002-export-times-out.md"
    text = path.read_text(encoding="utf-8")
    assert "## Steps to Reproduce / 复现步骤" in text
    out = run("validate", str(path), "--format", "json", cwd=kb_dir)
    found = {d["code"] for d in json.loads(out.stdout)["diagnostics"]}
    assert "KB900" not in found and found  # the empty template is not yet a valid entry


def test_explain(kb_dir: Path):
    r = run("explain", "kb104", cwd=kb_dir)
    assert r.returncode == 0 and r.stdout.startswith("KB104 invalid-choice (error)")


def test_docs_page_is_generated_from_codes():
    from defectkb.codes import render_markdown

    page = ROOT / "docs" / "diagnostics.md"
    assert page.read_text(encoding="utf-8").strip() == render_markdown().strip(), \
        "docs/diagnostics.md is stale: run `kb explain --all --markdown > docs/diagnostics.md`"


def test_field_reference_is_generated_from_models():
    from defectkb.schema_docs import render_markdown as fields

    page = ROOT / "docs" / "fields.md"
    assert page.read_text(encoding="utf-8").strip() == fields().strip(), \
        "docs/fields.md is stale: run `make docs`"
    assert "| `severity` | `fatal` 致命 · `serious` 严重 · `normal` 一般 · `minor` 提示 | yes |" in fields()


def test_serve_on_a_port_in_use_says_so_before_building(tmp_path: Path):
    """`kb serve` where another server listens: a usage error naming the address and another
    port, at once, not MkDocs' traceback after the first build."""
    import socket
    import time

    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        started = time.monotonic()
        r = run("serve", "-a", f"127.0.0.1:{port}", cwd=tmp_path)
        assert time.monotonic() - started < 30  # no build was started (nor would one succeed here)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert f"127.0.0.1:{port} is in use" in r.stderr and f"kb serve -a 127.0.0.1:{port + 1}" in r.stderr
    for address in ("nonsense", "127.0.0.1:99999"):
        r = run("serve", "-a", address, cwd=tmp_path)
        assert r.returncode == 2 and "expected HOST:PORT" in r.stderr, r.stderr
