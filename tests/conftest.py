"""Shared helpers: a small valid knowledge base in a temp folder, mutated per test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from defectkb.config import Config
from defectkb.diagnostics import Diagnostic
from defectkb.knowledgebase import KnowledgeBase, load

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "kb"
DEFECT = "defects/DEF-0001-invoice-export-loses-cents.md"
LESSON = "lessons/LES-0001-money-as-decimal-end-to-end.md"
TODAY = date(2026, 11, 24)
CONTENT = ROOT / "content"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--slow", action="store_true", help="run long fuzzing and scale tests")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="long run; enable with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A copy of the fixture knowledge base: one closed defect and its lesson, valid."""
    target = tmp_path / "kb"
    shutil.copytree(FIXTURE, target)
    return target


def edit(path: Path, *replacements: tuple[str, str]) -> None:
    text = path.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, f"{old!r} not in {path.name}"
        text = text.replace(old, new, 1)
    path.write_text(text, encoding="utf-8")


def load_dir(root: Path, **config: object) -> KnowledgeBase:
    return load(root, Config(today=TODAY, **config), display_base=root)


def codes(kb: KnowledgeBase) -> list[str]:
    return sorted(d.code for d in kb.diagnostics)


def find(kb: KnowledgeBase, code: str) -> Diagnostic:
    found = [d for d in kb.diagnostics if d.code == code]
    assert found, f"no {code} in {[(d.code, d.path, d.line, d.message) for d in kb.diagnostics]}"
    return found[0]


Loader = Callable[..., KnowledgeBase]


@pytest.fixture(autouse=True)
def _no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)


def pytest_report_header(config: pytest.Config) -> str:
    return f"defectkb tests; CI={os.environ.get('CI', '')}"


def mkdocs_build(config: Path, site: Path, *extra: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site),
                           *extra], cwd=cwd, capture_output=True, text=True, env=env, timeout=600)


def start_build(config: Path, site: Path, seed: str, tz: str) -> subprocess.Popen[str]:
    """`mkdocs build` in the background with its own hash seed and time zone."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed, "TZ": tz}
    return subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
                            cwd=config.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# Hash seeds (set and dict order) and time zones 26 hours apart (UTC+14, UTC-12: "now" and "today" differ).
RUNS = (("1", "Pacific/Kiritimati"), ("2", "Etc/GMT+12"))
# Below the host's root, so absolute links must keep the path.
SITE_URL = "https://kb.example.org/team/"


@pytest.fixture(scope="session")
def two_builds_with_site_url(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The sample built twice, at once, in two processes that differ as RUNS says; with a site_url, so with
    Atom feeds, and with everything else the project's mkdocs.yml builds (search index too).
    Read-only: tests that compare the two builds or inspect the feeds share them."""
    folder = tmp_path_factory.mktemp("site-url")
    config = folder / "mkdocs.yml"
    config.write_text(f"site_url: {SITE_URL}\n" + (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
                      .replace("docs_dir: content", f"docs_dir: {CONTENT}"), encoding="utf-8")
    sites = [folder / f"site{seed}" for seed, _ in RUNS]
    builds = [start_build(config, site, seed, tz) for site, (seed, tz) in zip(sites, RUNS, strict=True)]
    for build in builds:
        _, stderr = build.communicate(timeout=900)
        assert build.returncode == 0, stderr[-3000:]
    return sites[0], sites[1]


def snapshot(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*")}


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    site = tmp_path_factory.mktemp("site")
    before = snapshot(CONTENT)
    result = mkdocs_build(ROOT / "mkdocs.yml", site)
    assert result.returncode == 0, result.stderr
    assert snapshot(CONTENT) == before, "the build wrote into content/"
    return site


