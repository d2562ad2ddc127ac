"""The preview's file watcher: the operating system's change notifications where they work,
polling (MkDocs' own way) elsewhere.

`mkdocs serve` polls: every half second it lists and stats every file it watches, in Python. At
10,000 entries one such pass takes 0.2 s of CPU, so the watcher alone keeps a fifth of a core busy
and, holding the interpreter's lock, slows every rebuild it runs beside. Change notifications
(inotify, FSEvents, ReadDirectoryChangesW) cost nothing while nothing changes and arrive at once.

They are not delivered everywhere: a folder shared from another machine or from the host of a VM
or container (NFS, SMB, WSL's /mnt/c, some Docker mounts) changes without telling. So `auto` (the
default) uses them only on Linux file systems known to be local, and on macOS and Windows; `kb
serve --watch poll` (or DEFECTKB_WATCH=poll) goes back to polling when saves are not picked up.

With notifications the preview also waits less for a save to end (`QUIET`): MkDocs starts a
rebuild once no change has come for 0.1 s, a pause made for polling; the notifications of one
save (a write, or a temporary file renamed over the entry) arrive within a few milliseconds.
A change that comes after a rebuild has started starts another one, as before.

The notifications also say which files changed (`changed`): a rebuild after edits of Markdown
files alone reloads only the tabs whose page it wrote (`reloads`). Polling does not say.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import threading
from pathlib import Path
from typing import Any

ENV = "DEFECTKB_WATCH"
MODES = ("auto", "native", "poll")
# Linux file systems on a local disk or in memory, where inotify sees every change.
LOCAL_FILESYSTEMS = frozenset({"ext2", "ext3", "ext4", "xfs", "btrfs", "tmpfs", "zfs", "f2fs", "jfs",
                               "reiserfs", "overlay", "bcachefs", "ramfs"})


# Seconds without a change before a rebuild starts, with notifications (MkDocs' `build_delay`: 0.1).
QUIET = 0.03
_OCTAL = re.compile(r"\\([0-7]{3})")


class Changed:
    """The paths the notifications named since the last `take`."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.paths: set[str] = set()
        self.active = False  # notifications are in use (polling names no path)

    def note(self, event: Any) -> None:
        with self.lock:
            self.paths.add(os.fsdecode(event.src_path))
            if getattr(event, "dest_path", ""):
                self.paths.add(os.fsdecode(event.dest_path))

    def take(self) -> frozenset[str] | None:
        """The paths changed since the last call, or None if they are not known (polling)."""
        if not self.active:
            return None
        with self.lock:
            taken, self.paths = frozenset(self.paths), set()
        return taken


changed = Changed()


def mode() -> str:
    chosen = os.environ.get(ENV, "auto").strip().lower() or "auto"
    return chosen if chosen in MODES else "auto"


def filesystem_of(path: Path, mounts: str = "/proc/self/mounts") -> str | None:
    """The type of the file system holding `path` on Linux (the longest mount point above it)."""
    try:
        table = Path(mounts).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    target, best, kind = str(path.resolve()), -1, None
    for line in table.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        # mount points escape spaces and tabs as octal (\040, \011)
        point = _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), fields[1])
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) > best:
            best, kind = len(point), fields[2]
    return kind


def native_is_reliable(folder: Path) -> bool:
    if sys.platform.startswith("linux"):
        return filesystem_of(folder) in LOCAL_FILESYSTEMS
    return sys.platform == "darwin" or sys.platform == "win32"


def use_native(server: Any, folder: Path) -> str:
    """Swap the not yet started polling observer of MkDocs' live-reload `server` for the native
    one, re-watching what it watched. Returns what the preview now uses, for the log."""
    changed.active = False  # until notifications are in use
    chosen = mode()
    if chosen == "poll" or (chosen == "auto" and not native_is_reliable(folder)):
        return "polling every 0.5 s"
    try:
        from watchdog.observers import Observer
        from watchdog.observers.polling import PollingObserver
    except ImportError:  # pragma: no cover - watchdog is a dependency of MkDocs
        return "polling every 0.5 s"
    if Observer is PollingObserver or server.observer.is_alive():
        return "polling every 0.5 s"
    problem = _cannot_watch(Observer, folder)
    if problem:  # e.g. the system's limit of inotify instances or watches is reached
        return f"polling every 0.5 s (change notifications unavailable: {problem})"
    watched = dict(server._watched_paths)  # MkDocs 1.6: path -> how many asked for it
    for path, count in watched.items():
        for _ in range(count):
            server.unwatch(path)
    server.observer = _observer_class(Observer)()
    for path, count in watched.items():
        for _ in range(count):
            server.watch(path)
    server.build_delay = min(server.build_delay, QUIET)
    changed.active = True
    return "the operating system's change notifications"


def _cannot_watch(observer_class: type, folder: Path) -> str | None:
    """Why notifications cannot be had for `folder`, found by trying: MkDocs starts its observer
    only once serving, where a failure would end the preview with a traceback."""
    from watchdog.events import FileSystemEventHandler

    probe = observer_class()
    noise = logging.getLogger("watchdog")  # stopped at once, its threads may log a harmless race
    level = noise.level
    noise.setLevel(logging.CRITICAL)
    try:
        probe.schedule(FileSystemEventHandler(), str(folder), recursive=True)
        probe.start()
    except OSError as exc:
        return exc.strerror or str(exc)
    finally:
        if probe.is_alive():
            probe.stop()
            probe.join()
        noise.setLevel(level)
    return None


def _observer_class(base: type) -> type:
    from watchdog.events import (
        DirDeletedEvent,
        DirMovedEvent,
        FileCreatedEvent,
        FileDeletedEvent,
        FileModifiedEvent,
        FileMovedEvent,
    )

    # Only changes: reading a file is an event too (opened, closed without writing), and the
    # build reads every file it watches, which would start the next rebuild.
    changes = [FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent, DirDeletedEvent, DirMovedEvent]

    class Noting:
        """MkDocs' handler (which asks for a rebuild), after noting the paths in `changed`."""

        def __init__(self, handler: Any) -> None:
            self.handler = handler

        def dispatch(self, event: Any) -> None:
            changed.note(event)
            self.handler.dispatch(event)

    class ChangesOnly(base):  # type: ignore[misc, valid-type]
        def schedule(self, event_handler: Any, path: str, *, recursive: bool = False,
                     event_filter: Any = None) -> Any:
            return super().schedule(Noting(event_handler), path, recursive=recursive,
                                    event_filter=event_filter or changes)

    return ChangesOnly
