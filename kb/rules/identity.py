"""Identity: id prefix, file name and folder agree with the entry's kind."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from defectkb.diagnostics import Diagnostic

if TYPE_CHECKING:
    from defectkb.entries import KnowledgeBase


def check_identity(kb: KnowledgeBase) -> Iterator[Diagnostic]:
    for entry in kb.entries:
        cfg = kb.config.kind(entry.kind)
        prefix = f"{cfg.id_prefix}-"
        if not entry.id.startswith(prefix):
            number = entry.id.split("-", 1)[-1]
            yield entry.diag("KB502", entry.pos("id"),
                             f"a {entry.kind} id starts with `{prefix}`; got `{entry.id}`",
                             f"write `{prefix}{number}`, if that id is free")
        name = entry.rel_path.rsplit("/", 1)[-1]
        rest = name[len(entry.id):]
        if not name.startswith(entry.id) or (rest and rest[0] not in "-_."):
            yield entry.diag("KB503", entry.pos("id"),
                             f"file name `{name}` does not start with the id `{entry.id}`",
                             f"rename the file to `{entry.id}-<short-slug>.md`")
        folder = entry.rel_path.split("/", 1)[0]
        if folder != cfg.folder:
            yield entry.diag("KB503", entry.pos("kind"),
                             f"a {entry.kind} belongs in `{cfg.folder}/`, not `{folder}/`",
                             f"move the file to {cfg.folder}/")
