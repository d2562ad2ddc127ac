"""`kb-validate` as a pre-commit hook, run by the real pre-commit against a real repository."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

BIN = Path(sys.executable).parent
PRE_COMMIT = shutil.which("pre-commit", path=str(BIN)) or shutil.which("pre-commit")


def run(*cmd: str, cwd: Path, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, env=env, timeout=900)
    if check:
        assert result.returncode == 0, f"{cmd}:\n{result.stdout}\n{result.stderr}"
    return result


def test_hook_definition() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "kb-validate")
    assert hook["entry"] == "kb validate" and hook["language"] == "python"


def snapshot(repo: Path, env: dict[str, str]) -> str:
    """This repository's tracked files as they are in the working tree, committed in a new repository
    (as `pre-commit try-repo` does with uncommitted changes); returns the commit."""
    listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in listed.decode("utf-8").split("\0"):
        if name and (ROOT / name).is_file():  # a file deleted in the working tree stays out
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    run("git", "init", "-q", "-b", "main", cwd=repo, env=env)
    run("git", "add", "-A", cwd=repo, env=env)
    run("git", "commit", "-q", "-m", "snapshot", cwd=repo, env=env)
    return run("git", "rev-parse", "HEAD", cwd=repo, env=env).stdout.strip()


@pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed (pip install 'defectkb[test]')")
def test_hook_passes_a_good_entry_and_stops_a_bad_one(tmp_path: Path) -> None:
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path / "cache"), "GIT_CONFIG_GLOBAL": os.devnull,
           "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "T",
           "GIT_COMMITTER_EMAIL": "t@example.com", "NO_COLOR": "1"}
    env.pop("PYTHONPATH", None)
    hook_repo = tmp_path / "hook-repo"
    rev = snapshot(hook_repo, env)
    # What a knowledge base's .pre-commit-config.yaml says (see .pre-commit-hooks.yaml). Unlike
    # `pre-commit try-repo`, which installs the hook afresh on every call, both runs below share the
    # hook's environment in PRE_COMMIT_HOME, as on a contributor's machine.
    config = tmp_path / "pre-commit-config.yaml"
    config.write_text(yaml.safe_dump({"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [{"id": "kb-validate"}]}]}),
                      encoding="utf-8")
    repo = tmp_path / "kb"
    run(sys.executable, "-m", "defectkb", "init", str(repo), "--language", "en", "--ci", "none", cwd=tmp_path, env=env)
    run("git", "init", "-q", "-b", "main", cwd=repo, env=env)
    run("git", "add", "-A", cwd=repo, env=env)
    assert PRE_COMMIT is not None

    good = run(PRE_COMMIT, "run", "--config", str(config), cwd=repo, env=env, check=False)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "kb validate" in good.stdout and "Passed" in good.stdout

    bad = repo / "content/defects/DEF-0002-bad.md"
    bad.write_text("---\nkind: defect\nid: DEF-0002\ntitle: A bad entry\nseverity: critical\n---\n", encoding="utf-8")
    run("git", "add", "-A", cwd=repo, env=env)
    failed = run(PRE_COMMIT, "run", "--config", str(config), cwd=repo, env=env, check=False)
    assert failed.returncode == 1
    assert "Failed" in failed.stdout
    assert "content/defects/DEF-0002-bad.md:5:11: KB104 `severity` must be one of" in failed.stdout
