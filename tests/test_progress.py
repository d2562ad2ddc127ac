"""Progress of long work: a bar on a terminal, nothing but a stage line in logs and pipes."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT, mkdocs_build

sys.path.insert(0, str(ROOT / "bench"))
from generate import ensure  # the benchmarks' generator: realistic entries


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("progress") / "kb"
    ensure(300, folder)
    return folder


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in ("CI", "GITHUB_ACTIONS", "GITLAB_CI", "KB_PROGRESS_AFTER")}
    return {**base, "TERM": "xterm-256color", "COLUMNS": "100", **extra}


def run_on_terminal(folder: Path, environ: dict[str, str]) -> tuple[int, str]:
    """`kb validate` with stderr on a pseudo-terminal; stdout stays a pipe."""
    master, slave = pty.openpty()
    proc = subprocess.Popen([sys.executable, "-m", "defectkb", "validate", "--no-cache", "content"], cwd=folder,
                            stdout=subprocess.PIPE, stderr=slave, env=environ)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # the terminal closes when the process ends (EIO on Linux)
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    proc.communicate(timeout=600)
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace")


def test_bar_on_a_terminal(generated: Path) -> None:
    code, shown = run_on_terminal(generated, env(KB_PROGRESS_AFTER="0"))
    assert code == 0, shown
    assert "kb: reading files" in shown  # the bar's label
    assert "━" in shown  # the bar itself
    assert "kb: loaded 300 entries in" in shown  # and the stage's summary once it is done


def test_no_bar_in_ci_even_on_a_terminal(generated: Path) -> None:
    code, shown = run_on_terminal(generated, env(KB_PROGRESS_AFTER="0", CI="true"))
    assert code == 0, shown
    assert "reading files" not in shown and "━" not in shown
    assert "kb: loaded 300 entries in" in shown


def test_no_bar_without_a_terminal(generated: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "defectkb", "validate", "--no-cache", "content"], cwd=generated,
                            capture_output=True, text=True, env=env(KB_PROGRESS_AFTER="0"), timeout=600)
    assert result.returncode == 0, result.stderr
    assert "reading files" not in result.stderr and "━" not in result.stderr and "\x1b[" not in result.stderr
    # One line per stage, nothing more.
    lines = result.stderr.strip().splitlines()
    assert [ln.split(" in ")[0] for ln in lines] == ["kb: loaded 300 entries", "kb: checked 300 entries"], lines


def test_quick_runs_say_nothing(generated: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "defectkb", "validate", "--no-cache", "content"], cwd=generated,
                            capture_output=True, text=True, env=env(KB_PROGRESS_AFTER="600"), timeout=600)
    assert result.returncode == 0 and result.stderr == ""


def test_build_log_counts_rendered_pages(kb_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real `mkdocs build`: its log says how far rendering is and how long loading took."""
    monkeypatch.setenv("KB_PROGRESS_AFTER", "0")
    config = tmp_path / "mkdocs.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8")
                      .replace("docs_dir: content", f"docs_dir: {kb_dir}"), encoding="utf-8")
    result = mkdocs_build(config, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    log = result.stderr
    assert "defectkb: loaded 2 entries in " in log
    assert re.search(r"defectkb: rendered 1 of \d+ pages", log), log
    total = int(re.search(r"defectkb: rendered 1 of (\d+) pages", log).group(1))  # type: ignore[union-attr]
    assert f"defectkb: rendered {total} of {total} pages" in log
    assert (tmp_path / ".kb_cache").is_dir()  # the build keeps kb validate's cache too
