"""What a change touches: the files of the knowledge base that differ from a ref's merge base.

The change is everything `HEAD` adds on top of the merge base of `HEAD` and the ref, plus what is
staged, unstaged and untracked: one `git diff` against the merge base (it compares with the work
tree, so it sees commits, the index and unstaged edits at once) and one `git ls-files --others`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from defectkb.vcs.git import Repo, merge_base, name_status

ID_IN_NAME = re.compile(r"^([A-Z][A-Z0-9]*-\d{3,})(?=$|[-_.])")


def name_id(path: str) -> str | None:
    """The id an entry file's name claims (`DEF-0042-slug.md` -> `DEF-0042`)."""
    m = ID_IN_NAME.match(path.rsplit("/", 1)[-1])
    return m.group(1) if m else None


@dataclass(slots=True)
class Change:
    """Paths relative to the repository root, forward slashes."""

    base: str = ""  # the merge-base commit ("" for a change against the work tree's HEAD)
    present: set[str] = field(default_factory=set)  # modified, added, renamed-to, untracked
    added: set[str] = field(default_factory=set)  # new files (not renames, not a moved file)
    deleted: set[str] = field(default_factory=set)  # deleted or renamed-from
    renamed: dict[str, str] = field(default_factory=dict)  # new path -> old path

    def old_ids(self) -> set[str]:
        """Ids the files held before the change, by their names (KB503 keeps names and ids equal)."""
        olds = {*self.deleted, *self.renamed.values(), *(self.present - self.added - set(self.renamed))}
        return {i for p in olds if (i := name_id(p))}


def _split(out: bytes) -> list[str]:
    return out.decode("utf-8", "surrogateescape").split("\0")


def change_since(repo: Repo, ref: str, paths: list[str]) -> Change:
    """The change of the work tree against the merge base of HEAD and `ref`, limited to `paths`
    (repository-relative; "" is the whole repository)."""
    change = Change(base=merge_base(repo, ref))
    spec = ["--", *paths] if all(paths) else []
    diff = _split(repo.git("diff", "--name-status", "-z", "--find-renames", "--no-ext-diff", change.base,
                           *spec).stdout)
    for status, old, path in name_status(diff):
        if status in "RC":
            change.present.add(path)
            if status == "R":
                change.deleted.add(old)
                change.renamed[path] = old
            else:
                change.added.add(path)
        elif status == "D":
            change.deleted.add(path)
        else:
            change.present.add(path)
            if status == "A":
                change.added.add(path)
    untracked = _split(repo.git("ls-files", "--others", "--exclude-standard", "-z", *spec).stdout)
    for path in untracked:
        if path:
            change.present.add(path)
            change.added.add(path)
    _pair_moves(change)
    return change


def _pair_moves(change: Change) -> None:
    """A file moved without `git mv` shows as deleted + new: with the same id it is a rename."""
    gone = {i: p for p in change.deleted if p not in change.renamed.values() and (i := name_id(p))}
    for path in sorted(change.added):
        old = gone.pop(name_id(path) or "", None)
        if old is not None:
            change.added.discard(path)
            change.renamed[path] = old


def work_tree_status(repo: Repo, paths: list[str]) -> Change:
    """For paths named on the command line: which of them are new (staged as added, or untracked)."""
    out = _split(repo.git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths).stdout)
    change = Change()
    i = 0
    while i < len(out) and out[i]:
        record = out[i]
        code, path = record[:2], record[3:]
        i += 2 if code[0] in "RC" else 1  # a rename is followed by its old path
        if code == "??" or code[0] == "A":
            change.added.add(path)
        if code[0] != "D" and code[1] != "D":
            change.present.add(path)
    return change
