"""The preview's file watcher (`plugins/watcher.py`): native change notifications on local disks,
changes only (reading a file must not start a rebuild), polling where notifications are unreliable."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from defectkb.mkdocs_plugin import watcher
from mkdocs.livereload import LiveReloadServer


def test_filesystem_is_the_longest_mount_point_above_the_folder(tmp_path):
    mounts = tmp_path / "mounts"
    mounts.write_text("/dev/vda / ext4 rw 0 0\n"
                      "server:/export /home/ann/shared nfs4 rw 0 0\n"
                      "C:\\134 /mnt/c\\040drive 9p rw 0 0\n", encoding="utf-8")
    assert watcher.filesystem_of(Path("/home/ann/notes"), str(mounts)) == "ext4"
    assert watcher.filesystem_of(Path("/home/ann/shared/kb/content"), str(mounts)) == "nfs4"
    assert watcher.filesystem_of(Path("/home/ann/shared"), str(mounts)) == "nfs4"
    assert watcher.filesystem_of(Path("/home/ann/sharedness"), str(mounts)) == "ext4"
    assert watcher.filesystem_of(Path("/mnt/c drive/kb"), str(mounts)) == "9p"
    assert watcher.filesystem_of(Path("/x"), str(tmp_path / "missing")) is None


def _server(folder: Path) -> LiveReloadServer:
    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=str(folder))
    server.watch(str(folder))
    server.watch(str(folder))  # watched twice (MkDocs counts): both survive the swap
    return server


def _wants_rebuild(server: LiveReloadServer, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with server._rebuild_cond:
            if server._want_rebuild:
                server._want_rebuild = False
                return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify: the machines we test on")
def test_native_watcher_sees_writes_and_ignores_reads(tmp_path, monkeypatch):
    monkeypatch.setenv(watcher.ENV, "native")
    docs = tmp_path / "docs"
    (docs / "defects").mkdir(parents=True)
    entry = docs / "defects" / "DEF-0001.md"
    entry.write_text("---\ntitle: a\n---\n", encoding="utf-8")
    server = _server(docs)
    assert watcher.use_native(server, docs) == "the operating system's change notifications"
    assert server._watched_paths == {str(docs): 2}
    assert server.build_delay == watcher.QUIET < 0.1  # a save's notifications come at once
    server.observer.start()
    try:
        time.sleep(0.3)
        entry.read_text(encoding="utf-8")  # the build reads every file: no rebuild
        assert not _wants_rebuild(server, 1.0)
        watcher.changed.take()
        entry.write_text("---\ntitle: b\n---\n", encoding="utf-8")
        assert _wants_rebuild(server, 5.0)
        assert watcher.changed.take() == {str(entry)}, "the notifications name the file (reloads.shown)"
        time.sleep(0.3)
        _wants_rebuild(server, 0.2)
        (docs / "defects" / "DEF-0002.md").write_text("---\ntitle: c\n---\n", encoding="utf-8")
        assert _wants_rebuild(server, 5.0)
        time.sleep(0.3)
        _wants_rebuild(server, 0.2)
        saved = docs / "defects" / ".DEF-0002.md.tmp"  # an editor's "safe write": a new file renamed over
        saved.write_text("---\ntitle: d\n---\n", encoding="utf-8")
        saved.replace(docs / "defects" / "DEF-0002.md")
        assert _wants_rebuild(server, 5.0)
        time.sleep(0.3)
        _wants_rebuild(server, 0.2)
        entry.unlink()
        assert _wants_rebuild(server, 5.0)
    finally:
        server.observer.stop()
        server.observer.join()


def test_polling_when_asked_and_auto_by_the_file_system(tmp_path, monkeypatch):
    docs = tmp_path / "docs"
    docs.mkdir()
    monkeypatch.setenv(watcher.ENV, "poll")  # `kb serve --watch poll`
    server = _server(docs)
    polling = type(server.observer)
    assert watcher.use_native(server, docs) == "polling every 0.5 s"
    assert type(server.observer) is polling
    assert server.build_delay == 0.1  # MkDocs' own pause, made for polling
    monkeypatch.setenv(watcher.ENV, "auto")
    local = not sys.platform.startswith("linux") or watcher.filesystem_of(docs) in watcher.LOCAL_FILESYSTEMS
    assert watcher.use_native(server, docs) == ("the operating system's change notifications" if local
                                                else "polling every 0.5 s")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify: the machines we test on")
def test_polling_when_notifications_cannot_be_had(tmp_path, monkeypatch):
    """A folder the system will not watch (here: gone; in life: inotify's limits reached) falls back
    to polling, with the reason in the log line, instead of a traceback once serving starts."""
    monkeypatch.setenv(watcher.ENV, "native")
    docs = tmp_path / "docs"
    docs.mkdir()
    server = _server(docs)
    polling = type(server.observer)
    used = watcher.use_native(server, tmp_path / "gone")
    assert used.startswith("polling every 0.5 s (change notifications unavailable: ") and len(used) > 60
    assert type(server.observer) is polling
