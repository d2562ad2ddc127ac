"""How far long work is: a progress bar on a terminal, a line now and then in a build log, and
elsewhere (pipes, CI logs) nothing but one line per stage, and only for a stage that took a while.

`KB_PROGRESS_AFTER` (seconds, default 2) is how long a stage runs before anything is shown.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from typing import Any, Protocol, TextIO

DEFAULT_AFTER = 2.0
_PAST = {"reading": "read", "checking": "checked", "rendering": "rendered"}


def threshold() -> float:
    try:
        return max(0.0, float(os.environ.get("KB_PROGRESS_AFTER", DEFAULT_AFTER)))
    except ValueError:
        return DEFAULT_AFTER


def in_ci() -> bool:
    """CI services set CI (GitHub, GitLab, most others); their logs are no place for a live bar."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


class Progress(Protocol):
    def start(self, doing: str, total: int, unit: str = "files") -> None: ...

    def advance(self, n: int = 1) -> None: ...

    def finish(self, summary: str) -> None: ...


class _Stage:
    """Timing of the current stage, shared by the reporters."""

    def __init__(self, after: float | None) -> None:
        self.after = threshold() if after is None else after
        self.doing, self.unit, self.total, self.count = "", "", 0, 0
        self.t0 = time.monotonic()

    def begin(self, doing: str, total: int, unit: str) -> None:
        self.doing, self.unit, self.total, self.count = doing, unit, total, 0
        self.t0 = time.monotonic()

    def elapsed(self) -> float:
        return time.monotonic() - self.t0


class TerminalProgress:
    """A rich progress bar on `stream` when it is a terminal outside CI; the stage's summary line
    ("kb: loaded 10000 entries in 3.1 s") when the stage took longer than the threshold."""

    def __init__(self, stream: TextIO | None = None, after: float | None = None) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.stage = _Stage(after)
        isatty = getattr(self.stream, "isatty", None)
        self.live = bool(isatty and isatty()) and not in_ci()
        self._bar: Any = None
        self._task: Any = None
        self._shown = 0.0

    def start(self, doing: str, total: int, unit: str = "files") -> None:
        self._stop_bar()
        self.stage.begin(doing, total, unit)
        self._maybe_show()

    def advance(self, n: int = 1) -> None:
        self.stage.count += n
        if not self.live:
            return
        now = time.monotonic()
        if self._bar is None:
            self._maybe_show()
        elif now - self._shown >= 0.1:  # rich redraws on its own; updating per file would cost more
            self._shown = now
            self._bar.update(self._task, completed=self.stage.count)

    def _maybe_show(self) -> None:
        if not self.live or self._bar is not None or self.stage.elapsed() < self.stage.after:
            return
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        console = Console(file=self.stream, stderr=True)
        self._bar = Progress(TextColumn("kb: {task.description}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), console=console, transient=True)
        self._task = self._bar.add_task(f"{self.stage.doing} {self.stage.unit}", total=self.stage.total or None,
                                        completed=self.stage.count)
        self._bar.start()
        self._shown = time.monotonic()

    def _stop_bar(self) -> None:
        if self._bar is not None:
            self._bar.update(self._task, completed=self.stage.count)
            self._bar.stop()
            self._bar = None

    def finish(self, summary: str) -> None:
        self._stop_bar()
        elapsed = self.stage.elapsed()
        if elapsed >= self.stage.after:
            print(f"kb: {summary} in {elapsed:.1f} s", file=self.stream, flush=True)


class LogProgress:
    """For the MkDocs build log: "rendered 2000 of 10151 pages" every `every` seconds (default: the
    threshold, at most 5) once a stage has run past the threshold, and the stage's summary line
    when it took that long."""

    def __init__(self, log: logging.Logger, prefix: str = "defectkb", every: float | None = None,
                 after: float | None = None) -> None:
        self.log, self.prefix = log, prefix
        self.stage = _Stage(after)
        self.every = min(5.0, self.stage.after) if every is None else every
        self._next = 0.0

    def start(self, doing: str, total: int, unit: str = "files") -> None:
        self.stage.begin(doing, total, unit)
        self._next = self.stage.t0 + max(self.stage.after, self.every)

    def advance(self, n: int = 1) -> None:
        self.stage.count += n
        now = time.monotonic()
        if now >= self._next:
            self._next = now + self.every
            done = _PAST.get(self.stage.doing, self.stage.doing)
            self.log.info(f"{self.prefix}: {done} {self.stage.count} of {self.stage.total} {self.stage.unit}")

    def finish(self, summary: str) -> None:
        elapsed = self.stage.elapsed()
        if elapsed >= self.stage.after:
            self.log.info(f"{self.prefix}: {summary} in {elapsed:.1f} s")


class Silent:
    def start(self, doing: str, total: int, unit: str = "files") -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def finish(self, summary: str) -> None:
        pass
