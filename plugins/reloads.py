"""Live reload by page, and the open pages first.

MkDocs' live reload is one number for the whole site (its epoch): every open tab reloads after
every rebuild, and only once the whole rebuild is written. At 10,000 entries an edit that changes
charts rebuilds the insights pages, the digests, the home page and the feeds besides the pages in
view, and those take about half of the rebuild. Here:

- Each tab's live-reload request names its page (the `Referer`), so the server knows which pages
  are open (`Reloads.open_pages`).
- A rebuild may leave for later the groups of generated pages with no open page
  (`PreviewState.later` in `incremental`). That first pass is written and the open tabs reload;
  once they have loaded (each asks for reloads again) a second pass makes and writes the rest
  (`TwoPass`). An edit in the meantime goes first: the rest is made by the next build.
- A tab reloads only when a build it has not seen changed its page (`Reloads.due`). What a build
  changed is known after a second pass, and after a rebuild for edits of Markdown files in the
  docs folder alone (the watcher's notifications name the files: `watcher.changed`): the pages it
  wrote, and the pages that load a data file it wrote. After any other build every tab reloads,
  as in MkDocs: a template, a stylesheet or an image may show on any page.

The server's epochs are MkDocs 1.6's `LiveReloadServer` internals (`_epoch_cond`, `_visible_epoch`,
`_wanted_epoch`, its clock `_timestamp`, and `_rebuild_cond` and `_want_rebuild` for a save that
is waiting), which this module sets only as MkDocs' own build loop does.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlsplit

from mkdocs.livereload import _timestamp

log = logging.getLogger("mkdocs.plugins.defectkb")

KEEP = 64  # builds remembered; a tab older than all of them reloads
SETTLE = 2.0  # seconds at most that a second pass waits for the reloaded tabs
QUIET = 0.1  # ... and for a moment without requests, so their pages' files are served first


def page_key(url: str) -> str:
    """A page's address as both a page's URL (`defects/D-1/`) and a tab's Referer path
    (`/kb/defects/D-1/index.html`, after the mount path) reduce to: unquoted, no index.html."""
    url = unquote(url).lstrip("/")
    return url[: -len("index.html")] if url.endswith("index.html") else url


@dataclass
class Built:
    """What the plugin tells of a build once it is written."""

    later: bool = False  # groups of pages were left for a second pass
    pages: frozenset[str] = frozenset()  # page_key of every page written, or shown from a file written
    docs_dir: str = ""  # where the pages' Markdown is


@dataclass
class Reloads:
    """Which pages are open, and which builds changed which pages, for one server."""

    server: Any
    changes: dict[int, frozenset[str] | None] = field(default_factory=dict)  # epoch -> pages (None: all)
    floor: int = 0  # the newest epoch forgotten: a tab older than it reloads
    seen: dict[str, float] = field(default_factory=dict)  # page -> when a tab last asked
    asking: dict[object, tuple[str | None, int]] = field(default_factory=dict)  # the tabs asking now: page, epoch
    back: int = 0  # tabs that asked with an epoch at least `since` (reloaded tabs asking again)
    since: int = 0
    last_request: float = 0.0
    built: Built | None = None
    second_pass: bool = False

    @property
    def cond(self) -> threading.Condition:
        return self.server._epoch_cond  # type: ignore[no-any-return]

    def mount(self) -> str:
        return str(getattr(self.server, "mount_path", "/"))

    # -- the tabs' side ------------------------------------------------------------------------
    def due(self, page: str | None, epoch: int) -> bool:
        """Whether a tab showing `page` as of `epoch` should reload now (call with `cond` held)."""
        visible = self.server._visible_epoch
        if visible <= epoch:
            return False
        if epoch < self.floor or visible not in self.changes:
            return True  # older than what is remembered, or published by someone else
        return any(e > epoch and (pages is None or page is None or page in pages) for e, pages in self.changes.items())

    def poll(self, environ: dict[str, Any], start_response: Callable[..., Any], epoch: int) -> Iterable[bytes]:
        """Answer a tab's live-reload request: at once, with the new epoch, if its page changed
        since `epoch`; else when it does, or after the server's timeout with the tab's own epoch."""
        referer = urlsplit(environ.get("HTTP_REFERER", "")).path
        mount = self.mount()
        page = page_key(referer[len(mount):]) if referer.startswith(mount) else None
        timeout = float(getattr(self.server, "poll_response_timeout", 60))
        with self.cond:
            if page is not None:
                self.seen[page] = time.monotonic()
            if self.since and epoch >= self.since:
                self.back += 1
                self.cond.notify_all()
            token = object()
            self.asking[token] = (page, epoch)
            try:
                if not self.due(page, epoch):
                    self.cond.wait_for(lambda: self.due(page, epoch), timeout=timeout)
                answer = self.server._visible_epoch if self.due(page, epoch) else epoch
            finally:
                del self.asking[token]
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"%d" % answer]

    def open_pages(self) -> frozenset[str]:
        """Pages a tab asked about within the server's timeout (a tab asks again at least as often)."""
        horizon = time.monotonic() - float(getattr(self.server, "poll_response_timeout", 60)) - 5
        with self.cond:
            self.seen = {p: t for p, t in self.seen.items() if t >= horizon}  # closed tabs' pages go
            return frozenset(self.seen)

    # -- the builds' side ----------------------------------------------------------------------
    def record(self, epoch: int, pages: frozenset[str] | None) -> None:
        """A build of `epoch` changed `pages` (None: any page). Call with `cond` held."""
        self.changes[epoch] = pages
        while len(self.changes) > KEEP:
            oldest = min(self.changes)
            del self.changes[oldest]
            self.floor = max(self.floor, oldest)

    def publish(self, epoch: int, pages: frozenset[str] | None) -> None:
        """Show the site as of `epoch` (what MkDocs does once a build is written)."""
        with self.cond:
            self.record(epoch, pages)
            self.server._wanted_epoch = self.server._visible_epoch = epoch
            self.cond.notify_all()

    def settle(self, expected: int) -> None:
        """Wait until `expected` tabs reloaded as of `since` ask again (they have loaded) and the
        server had a moment without requests, or SETTLE seconds."""
        deadline = time.monotonic() + SETTLE
        with self.cond:
            while True:
                now = time.monotonic()
                if now >= deadline or (self.back >= expected and now - self.last_request >= QUIET):
                    break
                self.cond.wait(timeout=min(QUIET / 2, deadline - now))
            self.since = self.back = 0


class TwoPass:
    """MkDocs' `builder` for the preview's server: a build that left groups of pages for later is
    published at once, and the rest is built once the open tabs have reloaded."""

    def __init__(self, reloads: Reloads, builder: Callable[..., Any],
                 changes: Callable[[], frozenset[str] | None] = lambda: None) -> None:
        self.reloads, self.builder, self.changes = reloads, builder, changes

    def __call__(self, *args: Any, **kwargs: Any) -> None:
        r, server = self.reloads, self.reloads.server
        r.built = None
        paths = self.changes()  # what this build is for (a change from now on is the next build's)
        self.builder(*args, **kwargs)
        first, r.built = r.built, None
        with r.cond:
            r.record(server._wanted_epoch, shown(first, paths))  # MkDocs publishes it next, unless we do
        if first is None or not first.later:
            return
        with r.cond:
            r.since, r.back = server._wanted_epoch, 0
            server._visible_epoch = server._wanted_epoch
            expected = sum(r.due(page, epoch) for page, epoch in r.asking.values())  # they will ask again
            r.cond.notify_all()
        log.info("defectkb: reloading the open pages first; the other pages follow")
        r.settle(expected)
        with server._rebuild_cond:
            if server._want_rebuild:
                return  # another save: its build makes what was left too
        r.second_pass = True
        try:
            self.builder()
        finally:
            r.second_pass = False
        second, r.built = r.built, None
        if second is not None and second.pages:
            r.publish(_timestamp(), second.pages)


def shown(built: Built | None, paths: frozenset[str] | None) -> frozenset[str] | None:
    """The pages whose tabs a build reloads: the ones it wrote or wrote a file for, when the
    changes it was for are Markdown files in the docs folder alone (besides files MkDocs leaves
    out, such as an editor's hidden swap files, and files gone again); None (every page)
    otherwise, or when either is unknown."""
    if built is None or paths is None or not built.docs_dir:
        return None
    docs = os.path.join(built.docs_dir, "")
    for path in paths:
        inside = path.startswith(docs)
        if inside and (path.endswith(".md") or any(p.startswith(".") for p in path[len(docs):].split(os.sep))):
            continue  # a page, or a hidden file (MkDocs' exclude_docs leaves those out by default)
        if inside and not os.path.lexists(path):
            continue  # an editor's temporary file, gone again
        return None
    return built.pages


_reloads: Reloads | None = None


def install(server: Any, changes: Callable[[], frozenset[str] | None] = lambda: None) -> Reloads:
    """Per-page reloads and two passes for `server` (called from on_serve); `changes` tells which
    files changed since it was last called (`watcher.changed.take`), None if it cannot."""
    global _reloads
    _reloads = Reloads(server)
    server.builder = TwoPass(_reloads, server.builder, changes)
    return _reloads


def current() -> Reloads | None:
    return _reloads


def first_pass_open() -> frozenset[str] | None:
    """The open pages, if this build may leave the others for a second pass; None if it may not
    (a one-off build, a second pass, a server without this module's builder)."""
    r = _reloads
    if r is None or r.second_pass:
        return None
    return r.open_pages()


def second_pass() -> bool:
    return _reloads is not None and _reloads.second_pass


def built(info: Built) -> None:
    if _reloads is not None:
        _reloads.built = info
