"""Git facts of entries: first added and last updated (date and author), from one `git log` pass.

Newest commits come first. A file's last update is the first commit seen touching it; its first
commit is the last one seen before the commit that added it. Renames are followed: `git log -M`
reports them per commit at no extra pass, so history under the old name counts for the new one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from defectkb.vcs.git import GitError, Repo, name_status, open_repo


@dataclass(slots=True)
class GitFacts:
    first_date: datetime
    first_author: str
    last_date: datetime
    last_author: str


class FactsUnavailable(Exception):
    """Why the facts cannot be computed (no repository, shallow clone); one line for a log."""


def _parse(out: bytes, prefix: str) -> dict[str, GitFacts]:
    facts: dict[str, GitFacts] = {}
    alias: dict[str, str] = {}  # a name in older history -> the file's current path
    closed: set[str] = set()  # names whose older history belongs to another, earlier file
    for record in out.decode("utf-8", "surrogateescape").split("\x1e"):
        if not record:
            continue
        header, _, rest = record.partition("\0")
        fields = header.split("\x1f")
        if len(fields) != 2:
            continue
        when, author = datetime.fromisoformat(fields[0]), fields[1]
        tokens = rest.lstrip("\n").split("\0")
        for status, old, name in name_status(tokens):
            if name in closed or status == "D":
                continue
            current = alias.get(name, name)
            seen = facts.get(current)
            if seen is None:
                facts[current] = GitFacts(when, author, when, author)
            else:
                seen.first_date, seen.first_author = when, author
            if status in "AR":
                closed.add(name)  # older commits touching this name touched a different file
            if status == "R" and old not in closed:
                alias[old] = current
    return {p[len(prefix):]: f for p, f in facts.items() if p.startswith(prefix)}


def git_facts(content: Path, folders: Iterable[str] = ()) -> dict[str, GitFacts]:
    """Facts per file under `content` (only under `folders` inside it, if given), keyed by the
    path relative to `content` (forward slashes).

    Raises FactsUnavailable outside a repository or in a shallow clone (where "first added"
    would be the clone's cut-off, not the real first commit).
    """
    try:
        repo: Repo = open_repo(content)
    except GitError as exc:
        raise FactsUnavailable(str(exc)) from None
    if repo.shallow:
        raise FactsUnavailable(f"{repo.root} is a shallow clone, so first-added dates would be wrong; fetch the "
                               "full history (`git fetch --unshallow`; in CI `fetch-depth: 0`)")
    rel = repo.rel(content.resolve())
    args = ["log", "-z", "-M", "--name-status", "--no-ext-diff", "--format=%x1e%aI%x1f%aN"]
    base = f"{rel}/" if rel else ""
    specs = [base + f.strip("/") for f in folders] or [rel or "."]
    done = repo.git(*args, "--", *specs, check=False)
    if done.returncode != 0:  # e.g. a repository without any commit yet
        return {}
    return _parse(done.stdout, base)
