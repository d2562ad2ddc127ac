"""The preview's HTTP server (MkDocs' `LiveReloadServer`), made fit for a reload of several tabs.

- Its queue of connections waiting to be accepted holds 5 (Python's default). A live reload
  of three tabs opens a dozen connections at once (the server speaks HTTP/1.0: one per file),
  and while the server's threads share the processor the queue fills. The connections beyond it
  are dropped and the browser tries again after a second: the reload took a second longer. The
  queue now holds QUEUE.
- It sends every file without `ETag`, `Last-Modified` or `Cache-Control`, so the browser cannot
  keep anything: each live reload of each open tab fetches the page's stylesheets, scripts and
  data again (at 10,000 entries the defects index loads 2 MB of rows).
Wrapped by `wrap`, the server answers a file (not a page: MkDocs writes the live-reload script
into each page it sends) with an `ETag` made from the opened file's size, modification time and
inode, and `Cache-Control: no-cache`: the browser asks again on every load, with the tag, and
gets `304 Not Modified` and no body while the file is the one it has. Nothing stale can be kept:
the tag is taken from the very file being sent, after MkDocs has waited for any rebuild in
progress, and a rewritten file has a new modification time.

mkdocs-material's own stylesheets and scripts carry a digest of their content in their names
(`main.57a0d79d.min.css`, `bundle.a5f9d56c.min.js`): another content is another name, so those are
sent as `immutable` for a year and a reload does not even ask for them again. Only files the
installed theme ships (`content_named`), not a file of the docs folder or of a `custom_dir` that
merely looks like one, which its author may still edit. Every other file (the knowledge base's
own assets and data among them) is asked for again on every load.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterable
from typing import Any

from .reloads import Reloads

App = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
QUEUE = 128  # connections waiting to be accepted (the system caps it at net.core.somaxconn)
# A name with the digest mkdocs-material's build puts in its files, relative to the theme's folder.
HASHED = re.compile(r"assets/(?:javascripts|stylesheets)/(?:[\w-]+/)*[\w-]+\.[0-9a-f]{8}\.min\.(?:js|css)")
FOREVER = "max-age=31536000, immutable"
LIVERELOAD = re.compile(r"/livereload/([0-9]+)/[0-9]+")  # a tab asking for reloads (MkDocs' script)


def content_named(theme_dirs: Iterable[str], own_dirs: Iterable[str]) -> frozenset[str]:
    """Site paths (`assets/javascripts/bundle.a5f9d56c.min.js`) of the theme's files named after
    their content, that no file of `own_dirs` (the docs folder, a `custom_dir`: what MkDocs
    would serve instead) replaces."""
    own = [d for d in own_dirs if d]
    found = set()
    for base in theme_dirs:
        for sub in ("assets/javascripts", "assets/stylesheets"):
            for root, _, names in os.walk(os.path.join(base, sub)):
                for name in names:
                    rel = os.path.relpath(os.path.join(root, name), base).replace(os.sep, "/")
                    if HASHED.fullmatch(rel) and not any(os.path.exists(os.path.join(d, rel)) for d in own):
                        found.add(rel)
    return frozenset(found)


def prepare(server: Any, immutable: frozenset[str] = frozenset(), reloads: Reloads | None = None) -> None:
    """Before `serve` starts the server (it binds and listens then): the deeper queue, the
    validators, the site paths (`content_named`) the browser may keep for good, and the tabs'
    live-reload requests answered by page (`reloads`)."""
    server.request_queue_size = QUEUE
    server.set_app(wrap(server.get_app(), immutable, getattr(server, "mount_path", "/"), reloads))


def wrap(app: App, immutable: frozenset[str] = frozenset(), mount: str = "/", reloads: Reloads | None = None) -> App:
    """`app` (MkDocs' `LiveReloadServer.serve_request`) with conditional responses for files;
    `immutable` holds site paths below `mount` (the server's path, "/" or "/kb/"). With `reloads`,
    it answers the tabs' live-reload requests and learns when requests come."""

    def conditional(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if reloads is not None:
            reloads.last_request = time.monotonic()
            if poll := LIVERELOAD.fullmatch(environ.get("PATH_INFO", "")):
                return reloads.poll(environ, start_response, int(poll[1]))
        said: list[Any] = []

        def hold(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
            said[:] = [status, headers, exc_info]
            return _no_write

        body = app(environ, hold)
        if not said:  # (MkDocs always answers; never wrap what it did not)
            return body
        status, headers, exc_info = said
        tag = _tag(body) if status.startswith("200") and environ.get("REQUEST_METHOD") in ("GET", "HEAD") else None
        if tag is None:
            start_response(status, headers, exc_info) if exc_info else start_response(status, headers)
            return body
        path = environ.get("PATH_INFO", "")
        forever = path.startswith(mount) and path[len(mount):] in immutable
        validators = [("ETag", tag), ("Cache-Control", FOREVER if forever else "no-cache")]
        if tag in _tags(environ.get("HTTP_IF_NONE_MATCH", "")):
            with contextlib.suppress(Exception):
                body.close()  # type: ignore[attr-defined]
            start_response("304 Not Modified", validators)
            return []
        start_response(status, [*headers, *validators])
        return body

    return conditional


def _no_write(data: bytes) -> None:
    raise RuntimeError("the preview's server answers with a body, never with write()")


def _tag(body: Iterable[bytes]) -> str | None:
    """A strong validator of the file `body` sends; None for anything but an opened file (a page
    with the live-reload script, a redirect, an error message)."""
    filelike = getattr(body, "filelike", None)
    try:
        st = os.fstat(filelike.fileno())  # type: ignore[union-attr]
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both of the last two
        return None
    return f'"{st.st_size:x}-{st.st_mtime_ns:x}-{st.st_ino:x}"'


def _tags(header: str) -> set[str]:
    """The entity tags of an If-None-Match header (weak ones compared by their opaque part, as
    RFC 9110 asks for If-None-Match)."""
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}
