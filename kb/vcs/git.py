"""Plain calls to the real `git`, and errors that say how to fix them."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SHALLOW_FIX = ("this clone is shallow: fetch the history (`git fetch --unshallow`, or a deeper "
               "`git fetch --depth=...`); in CI set `fetch-depth: 0` (GitHub actions/checkout) or "
               "`GIT_DEPTH: 0` (GitLab)")


class GitError(Exception):
    """Git cannot answer; the message names what failed and how to fix it."""


@dataclass(frozen=True, slots=True)
class Repo:
    root: Path  # the work tree's top level, resolved
    shallow: bool

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        return run_git(self.root, *args, check=check)

    def rel(self, path: Path) -> str:
        """`path` relative to the repository root, with forward slashes ("" for the root)."""
        rel = path.resolve().relative_to(self.root).as_posix()
        return "" if rel == "." else rel


def run_git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
    # Plumbing output must not depend on the user's settings: no pager, no colour, raw paths.
    # Paths are paths, never globs: a file named `DEF-0001-[draft].md` means just that file.
    env = {**os.environ, "GIT_PAGER": "cat", "LC_ALL": "C", "GIT_OPTIONAL_LOCKS": "0", "GIT_LITERAL_PATHSPECS": "1"}
    command = ["git", "-c", "core.quotePath=false", "-c", "color.ui=false", *args]
    try:
        done = subprocess.run(command, cwd=cwd, capture_output=True, env=env, check=False)
    except FileNotFoundError:
        raise GitError("git is not installed (or not on PATH); install it, or run without git features") from None
    if check and done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"`git {' '.join(args)}` failed: {message[-1] if message else done.returncode}")
    return done


def open_repo(path: Path) -> Repo:
    """The repository that contains `path`, or a GitError saying there is none."""
    start = path if path.is_dir() else path.parent
    done = run_git(start, "rev-parse", "--show-toplevel", "--is-shallow-repository", check=False)
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    if done.returncode != 0 or len(lines) < 2:
        raise GitError(f"{start} is not inside a Git repository; run this in a clone of the knowledge base "
                       "(or `git init` one)")
    return Repo(Path(lines[0]).resolve(), lines[1].strip() == "true")


def resolve_commit(repo: Repo, ref: str) -> str:
    """The commit a ref names; a GitError naming the ref and how to get it otherwise."""
    if ref.startswith("-"):
        raise GitError(f"`{ref}` is not a ref")
    done = repo.git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
    if done.returncode == 0:
        return done.stdout.decode().strip()
    remotes = repo.git("remote", check=False).stdout.decode("utf-8", "replace").split()
    remote, _, branch = ref.partition("/")
    if branch and remote in remotes:
        fix = f"fetch it: git fetch {remote} {branch}"
    else:
        fix = (f"check the name (`git branch -a` lists branches), or fetch it: git fetch origin {ref} "
               f"and pass origin/{ref}")
    if repo.shallow:
        fix += f"; {SHALLOW_FIX}"
    raise GitError(f"unknown ref `{ref}` in {repo.root}; {fix}")


def remote_default_branch(repo: Repo) -> str | None:
    """`origin/main` (or whatever origin's default branch is), when the clone knows it."""
    done = repo.git("symbolic-ref", "--quiet", "--short", "refs/remotes/origin/HEAD", check=False)
    name = done.stdout.decode("utf-8", "replace").strip()
    return name if done.returncode == 0 and name else None


def merge_base(repo: Repo, ref: str) -> str:
    head = repo.git("rev-parse", "--verify", "--quiet", "HEAD", check=False)
    if head.returncode != 0:
        raise GitError(f"HEAD has no commit yet in {repo.root}; commit once, then compare with `{ref}`")
    commit = resolve_commit(repo, ref)
    done = repo.git("merge-base", "HEAD", commit, check=False)
    if done.returncode != 0:
        why = SHALLOW_FIX if repo.shallow else "the branches share no history"
        raise GitError(f"HEAD and `{ref}` have no common ancestor; {why}")
    return done.stdout.decode().strip()


def ls_tree(repo: Repo, commit: str, folder: str) -> list[str]:
    """Every file path (from the repository root) under `folder` in a commit's tree: one call."""
    args = ["ls-tree", "-r", "-z", "--name-only", "--full-tree", commit]
    if folder:
        args += ["--", folder]
    return [p for p in repo.git(*args).stdout.decode("utf-8", "surrogateescape").split("\0") if p]


def read_blobs(repo: Repo, specs: list[str]) -> dict[str, bytes | None]:
    """`<commit>:<path>` -> the file's bytes (None if missing), all through one `git cat-file --batch`."""
    if not specs:
        return {}
    data = "".join(f"{s}\n" for s in specs).encode("utf-8", "surrogateescape")
    done = subprocess.run(["git", "cat-file", "--batch"], cwd=repo.root, input=data, capture_output=True,
                          check=False)
    out, pos, blobs = done.stdout, 0, {}
    for spec in specs:
        end = out.find(b"\n", pos)
        if end < 0:
            blobs[spec] = None
            continue
        header = out[pos:end].split()
        pos = end + 1
        if len(header) == 3 and header[1] in (b"blob", b"commit", b"tree", b"tag"):
            size = int(header[2])
            blobs[spec] = out[pos:pos + size] if header[1] == b"blob" else None
            pos += size + 1
        else:  # "<spec> missing"
            blobs[spec] = None
    return blobs


def name_status(tokens: list[str], start: int = 0) -> Iterator[tuple[str, str, str]]:
    """(status letter, old path, path) from `--name-status -z` output split on NUL, up to the
    first empty token; the old path is set for renames and copies only."""
    i = start
    while i < len(tokens) and tokens[i]:
        status = tokens[i][0]
        if status in "RC":
            yield status, tokens[i + 1], tokens[i + 2]
            i += 3
        else:
            yield status, "", tokens[i + 1]
            i += 2
