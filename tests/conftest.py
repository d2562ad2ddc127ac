"""Shared helpers: a small valid knowledge base in a temp folder, mutated per test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
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


def mkdocs_build(config: Path, site: Path, *extra: str, cwd: Path = ROOT,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """A real `mkdocs build --strict` in its own process; `env` adds to (or overrides) the environment."""
    environ = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site),
                           *extra], cwd=cwd, capture_output=True, text=True, env=environ, timeout=900)


# -- Builds of the sample shared by the session ---------------------------------------------------
#
# A build of content/ with a fixed configuration is made once per session and only read by the
# tests that use it. The first test that needs any of them has every one the selected tests need
# made at once, two at a time (the builds are single-threaded; the machine has two cores or more),
# and waits for all: nothing builds in the background while other tests run (some measure CPU time).

SharedBuild = tuple[Path, Path, dict[str, str]]  # mkdocs.yml, working directory, environment added
BuildSetup = Callable[[Path], list[SharedBuild]]  # writes its configuration into the folder it is given

_SETUPS: dict[str, tuple[str, BuildSetup]] = {}  # fixture name -> (build name, setup)
_BUILT: dict[str, list[tuple[Path, subprocess.CompletedProcess[str]]]] = {}  # build name -> (site, result)


def shared_build(fixture: str) -> Callable[[BuildSetup], BuildSetup]:
    """Registers the setup of the builds behind a session fixture (at import, so before any test runs)."""

    def register(setup: BuildSetup) -> BuildSetup:
        _SETUPS[fixture] = (setup.__name__, setup)
        return setup

    return register


def shared_sites(fixture: str, request: pytest.FixtureRequest, factory: pytest.TempPathFactory) -> list[Path]:
    """The sites of the fixture's builds, checked to have succeeded; makes every pending shared build first."""
    name = _SETUPS[fixture][0]
    if name not in _BUILT:
        needed = [f for item in request.session.items for f in item.fixturenames if f in _SETUPS]
        _make({_SETUPS[f][0]: _SETUPS[f][1] for f in [*needed, fixture] if _SETUPS[f][0] not in _BUILT}, factory)
    sites = []
    for site, result in _BUILT[name]:
        assert result.returncode == 0, f"{name}: {result.stderr[-3000:]}"
        sites.append(site)
    return sites


def _make(setups: dict[str, BuildSetup], factory: pytest.TempPathFactory) -> None:
    before = snapshot(CONTENT)
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs: dict[str, list[tuple[Path, Future[subprocess.CompletedProcess[str]]]]] = {}
        for name, setup in setups.items():
            folder = factory.mktemp(name)
            jobs[name] = []
            for n, (config, cwd, env) in enumerate(setup(folder), start=1):
                site = folder / f"site{n}"
                jobs[name].append((site, pool.submit(mkdocs_build, config, site, cwd=cwd, env=env)))
    for name, builds in jobs.items():
        _BUILT[name] = [(site, job.result()) for site, job in builds]
    assert snapshot(CONTENT) == before, "a build wrote into content/"


# Hash seeds (set and dict order) and time zones 26 hours apart (UTC+14, UTC-12: "now" and "today" differ).
RUNS = (("1", "Pacific/Kiritimati"), ("2", "Etc/GMT+12"))
# Below the host's root, so absolute links must keep the path.
SITE_URL = "https://kb.example.org/team/"


@shared_build("two_builds_with_site_url")
def site_url_twice(folder: Path) -> list[SharedBuild]:
    config = folder / "mkdocs.yml"
    config.write_text(f"site_url: {SITE_URL}\n" + (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
                      .replace("docs_dir: content", f"docs_dir: {CONTENT}"), encoding="utf-8")
    return [(config, folder, {"PYTHONHASHSEED": seed, "TZ": tz}) for seed, tz in RUNS]


@pytest.fixture(scope="session")
def two_builds_with_site_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
                             ) -> tuple[Path, Path]:
    """The sample built twice in two processes that differ as RUNS says; with a site_url, so with Atom
    feeds, and with everything else the project's mkdocs.yml builds (search index too).
    Read-only: tests that compare the two builds or inspect the feeds share them."""
    first, second = shared_sites("two_builds_with_site_url", request, tmp_path_factory)
    return first, second


def snapshot(folder: Path) -> dict[str, float]:
    return {str(p.relative_to(folder)): p.stat().st_mtime for p in folder.rglob("*")}


@shared_build("built_site")
def project(folder: Path) -> list[SharedBuild]:
    return [(ROOT / "mkdocs.yml", ROOT, {})]


@pytest.fixture(scope="session")
def built_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample built with the project's mkdocs.yml as it is (no site_url). Read-only."""
    (site,) = shared_sites("built_site", request, tmp_path_factory)
    return site
