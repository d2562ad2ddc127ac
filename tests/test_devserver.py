"""The preview's server (plugins/devserver.py): it answers files with validators (a reload gets
`304 Not Modified` for a file it has, the file for one that changed, and pages as MkDocs sends
them), and it does not drop the burst of connections a reload of several tabs opens."""

from __future__ import annotations

import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from defectkb.mkdocs_plugin import devserver
from mkdocs.livereload import LiveReloadServer


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    (site / "assets" / "kb.css").write_text("body { color: red }\n", encoding="utf-8")
    (site / "index.html").write_text("<html><body><p>home</p></body></html>", encoding="utf-8")
    live = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(site))
    live.watch(str(site))  # as in `serve`: pages then get the live-reload script
    devserver.prepare(live)
    live.server_bind()
    live.server_activate()
    thread = threading.Thread(target=live.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{live.server_address[1]}/", site
    finally:
        live.shutdown()
        live.server_close()


def _get(url: str, tag: str | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"If-None-Match": tag} if tag else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_a_file_the_browser_has_is_not_sent_again(server: tuple[str, Path]) -> None:
    url, site = server
    status, headers, body = _get(url + "assets/kb.css")
    assert status == 200 and body == b"body { color: red }\n"
    tag = headers["ETag"]
    assert headers["Cache-Control"] == "no-cache" and headers["Content-Type"].startswith("text/css")

    status, headers, body = _get(url + "assets/kb.css", tag)
    assert (status, body, headers["ETag"]) == (304, b"", tag)
    assert _get(url + "assets/kb.css", f'"other", W/{tag}')[0] == 304  # a list, a weak form of the same tag

    css = site / "assets" / "kb.css"
    css.write_text("body { color: blue }\n", encoding="utf-8")
    st = css.stat()
    os.utime(css, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))  # (in case the clock did not tick)
    status, headers, body = _get(url + "assets/kb.css", tag)
    assert status == 200 and body == b"body { color: blue }\n" and headers["ETag"] != tag


def _write(root: Path, *rels: str) -> None:
    for rel in rels:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text("/* x */\n", encoding="utf-8")


THEMES_OWN = ("assets/javascripts/bundle.a5f9d56c.min.js", "assets/stylesheets/main.57a0d79d.min.css",
              "assets/javascripts/workers/search.f8cc74c7.min.js")


def test_only_the_themes_own_files_named_after_their_content_are_kept_for_good(tmp_path: Path) -> None:
    theme, docs, custom = tmp_path / "theme", tmp_path / "docs", tmp_path / "overrides"
    _write(theme, *THEMES_OWN, "assets/javascripts/bundle.min.js", "assets/stylesheets/main.57a0d79.min.css",
           "assets/javascripts/glightbox.0123abcd.min.js", "assets/stylesheets/palette.fb2fffe2.min.css",
           "assets/images/favicon.0123abcd.min.js")
    # the user's own files replace the theme's of the same path, and may still change
    _write(docs, "assets/javascripts/glightbox.0123abcd.min.js")
    _write(custom, "assets/stylesheets/palette.fb2fffe2.min.css")
    immutable = devserver.content_named([str(theme)], [str(docs), str(custom)])
    assert immutable == set(THEMES_OWN)

    site = tmp_path / "site"
    _write(site, *THEMES_OWN, "assets/javascripts/glightbox.0123abcd.min.js",
           "assets/javascripts/mine.deadbeef.min.js", "assets/defectkb/kb.css")
    for mount in ("/", "/kb/"):
        live = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(site), mount_path=mount)
        devserver.prepare(live, immutable)
        live.server_bind()
        live.server_activate()
        thread = threading.Thread(target=live.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()
        try:
            url = f"http://127.0.0.1:{live.server_address[1]}{mount}"
            for rel in THEMES_OWN:
                status, headers, _ = _get(url + rel)
                assert (status, headers["Cache-Control"]) == (200, devserver.FOREVER), (mount, rel)
                assert "ETag" in headers
            for rel in ("assets/javascripts/glightbox.0123abcd.min.js", "assets/javascripts/mine.deadbeef.min.js",
                        "assets/defectkb/kb.css"):
                status, headers, _ = _get(url + rel)
                assert (status, headers["Cache-Control"]) == (200, "no-cache"), (mount, rel)
        finally:
            live.shutdown()
            live.server_close()


def test_pages_and_errors_are_sent_as_mkdocs_sends_them(server: tuple[str, Path]) -> None:
    url, _site = server
    status, headers, body = _get(url)
    assert status == 200 and b"livereload" in body and "ETag" not in headers  # a page: never kept
    assert _get(url, '"anything"')[0] == 200
    status, headers, _body = _get(url + "missing.css")
    assert status == 404 and "ETag" not in headers


def test_a_burst_of_connections_waits_to_be_accepted(tmp_path: Path) -> None:
    """Forty connections at once, while the server accepts none: all are queued (with Python's
    queue of five, the rest would be dropped and the browser would try again a second later)."""
    import socket

    live = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(tmp_path))
    devserver.prepare(live)
    live.server_bind()
    live.server_activate()  # listening, not accepting: as while its threads wait for the processor
    clients = []
    try:
        for _ in range(40):
            client = socket.socket()
            client.settimeout(0.5)
            client.connect(live.server_address)  # a dropped connection would time out here
            clients.append(client)
    finally:
        for client in clients:
            client.close()
        live.server_close()
    assert len(clients) == 40
