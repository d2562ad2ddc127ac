"""The wheel, installed into a fresh virtual environment, is a working DefectKB on its own.

Slow-ish (it installs the dependencies into a new venv, from pip's cache when warm), so it runs
once per session and every check shares that environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import ROOT

ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
ENV.pop("PYTHONPATH", None)


def run(*cmd: str | Path, cwd: Path) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, capture_output=True, text=True, env=ENV, timeout=900)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A venv with nothing but the built wheel and its dependencies; returns its bin folder."""
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    run(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", dist, ROOT, cwd=base)
    wheels = list(dist.glob("defectkb-*.whl"))
    assert len(wheels) == 1
    env_dir = base / "venv"
    # No pip inside (ensurepip alone takes seconds): this pip installs into the new venv's interpreter.
    venv.create(env_dir, with_pip=False)
    bin_dir = env_dir / ("Scripts" if os.name == "nt" else "bin")
    # --no-compile: Python writes the bytecode on first import anyway; compiling every dependency
    # up front is a third of the install.
    run(sys.executable, "-m", "pip", "--python", bin_dir / "python", "install", "-q", "--no-compile",
        f"{wheels[0]}[site]", cwd=base)
    return bin_dir


def test_wheel_installs_only_our_import_name(installed: Path) -> None:
    record = run(installed / "python", "-c",
                 "from importlib.metadata import distribution as d; print('\\n'.join(str(f) for f in d('defectkb').files))",
                 cwd=installed).stdout.split()
    top = {path.split("/")[0] for path in record if not path.startswith("..")}
    assert top == {"defectkb", f"defectkb-{top_version(installed)}.dist-info"}, top
    assert any(p.startswith("defectkb/mkdocs_plugin/") for p in record)
    assert any(p.startswith("defectkb/scaffold/templates/dot-github/workflows/") for p in record)
    assert "defectkb/assets/kb.css" in record
    assert {"defectkb/assets/fonts/DefectKBSansCJK-Regular.otf", "defectkb/assets/fonts/OFL.txt"} <= set(record)
    probe = subprocess.run([str(installed / "python"), "-c", "import plugins"], capture_output=True, text=True, env=ENV,
                           cwd=installed)
    assert probe.returncode != 0 and "No module named 'plugins'" in probe.stderr


def top_version(bin_dir: Path) -> str:
    return run(bin_dir / "python", "-c", "import defectkb; print(defectkb.__version__)", cwd=bin_dir).stdout.strip()


def test_installed_kb_inits_validates_and_builds(installed: Path, tmp_path: Path) -> None:
    version = run(installed / "kb", "--version", cwd=tmp_path).stdout
    assert version.startswith("kb (defectkb) ") and top_version(installed) in version
    run(installed / "kb", "init", "team-kb", "--language", "en", cwd=tmp_path)
    project = tmp_path / "team-kb"
    assert "All checks passed" in run(installed / "kb", "validate", cwd=project).stdout
    run(installed / "mkdocs", "build", "--strict", cwd=project)  # the `defectkb` entry point resolves
    assert (project / "site/index.html").is_file()
    assert list((project / "site").rglob("kb.css")), "package data (assets) must be in the wheel"


def test_every_package_is_listed() -> None:
    """pyproject.toml lists packages by hand (kb/ and plugins/ are installed under other names)."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {"defectkb" + ("." + ".".join(p.parent.relative_to(ROOT / "kb").parts) if p.parent != ROOT / "kb" else "")
             for p in (ROOT / "kb").rglob("__init__.py") if "templates" not in p.parts}
    found |= {"defectkb.mkdocs_plugin"}
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
