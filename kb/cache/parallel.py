"""Filling an empty validation cache with several processes at once.

A cold `kb validate` (a fresh clone in CI, a new version of the tool, a changed kb.yml) parses and
checks every file, work that needs nothing but the file. So when many files have no record, the
files are split by cache shard between this process and worker processes
(`defectkb/load_worker.py`): each claims the next group of shards nobody has taken, reads their
files, runs the per-entry rules on them and writes those shards; no two write the same shard.
This process then reads the knowledge base as a warm run does, from the records, and runs the
rules over the whole set; one worker may stay for one more request meanwhile (`Helper`: the
near-duplicate search). A worker that fails costs time, never correctness: whatever it did not
write is read here, and what it did not answer is worked out here.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from typing import Any

from defectkb.progress import Progress

WORKER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "load_worker.py")
MIN_FILES = 1_000  # fewer files without a record: starting processes would cost more than it saves
# Groups of shards per process, at most: each process takes the next group nobody has claimed, so
# a process that started late (a worker's interpreter and imports) or reads slower files takes
# fewer, and memory holds one group's files at a time.
SPLIT = 8
MAX_JOBS = 8


def jobs_wanted(asked: int | None) -> int:
    """Processes to use: `asked` (from `--jobs`), else $KB_JOBS, else the processors this process
    may run on, at most MAX_JOBS. 1 means no workers. A $KB_JOBS that is not a number of
    processes raises ValueError, with a message for the user."""
    if asked is None:
        env = os.environ.get("KB_JOBS", "").strip()
        asked = 0
        if env:
            if not (env.isascii() and env.isdigit() and int(env) > 0):
                raise ValueError(f"KB_JOBS must be a number of processes (1 or more), not {env!r}")
            asked = int(env)
    if asked > 0:
        return asked
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, MAX_JOBS))


class Helper:
    """A worker kept after its share of the reading for one more request (`ask`), whose answer
    (`answer`) it works out while this process goes on: the near-duplicate search, while this
    process reads the records back."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.answers: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self.asked = False

    def ask(self, request: dict[str, Any]) -> bool:
        """Hand the worker its request; False if it is gone (nothing will answer)."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
            self.proc.stdin.close()
        except OSError:
            return False
        self.asked = True
        return True

    def dismiss(self) -> None:
        """No request after all: the worker sees its input end and exits."""
        assert self.proc.stdin is not None
        with contextlib.suppress(OSError):
            self.proc.stdin.close()

    def answer(self) -> Any | None:
        """The worker's answer, once it has one; None if it was not asked or ended without one."""
        return self.answers.get() if self.asked else None


_ENDED, _FAILED = "ended", "failed"  # a worker's share is read / it ended without saying so


def fill(job: dict[str, Any], shards: list[int], jobs: int, files: int, progress: Progress,
         here: Callable[[list[list[int]], str, Callable[[int], None]], None] | None = None,
         messages: Callable[[dict[str, Any]], None] | None = None,
         keep: bool = False) -> tuple[bool, Helper | None]:
    """Read `shards` in `jobs` processes, showing the files they read of `files`. The shards are
    split into groups that each process claims one at a time (`claim`). With `here`, this process
    is one of them (`here(groups, claims folder, report(files read))` runs while the workers run),
    else all are workers. What the workers send besides their progress goes to `messages` (from
    other threads). Returns whether every process finished, and with `keep` the first worker, kept
    for a request (`Helper`; its job says `"stay": true`)."""
    jobs = max(1, min(jobs, len(shards)))
    workers = jobs - 1 if here is not None else jobs
    groups = split(shards, jobs)
    progress.start(f"reading ({jobs} processes)", files, "files")
    done: queue.SimpleQueue[int | str] = queue.SimpleQueue()
    procs: list[subprocess.Popen[bytes]] = []
    helper: Helper | None = None
    running, read, all_ok, finished = 0, 0, True, False

    def count(n: int | str) -> None:
        nonlocal running, read, all_ok
        if isinstance(n, str):
            running -= 1
            all_ok = all_ok and n == _ENDED
        else:
            read += n
            progress.advance(n)

    def report(n: int) -> None:
        """This process's progress; the workers' too, so that only this thread draws the bar."""
        count(n)
        while True:
            try:
                count(done.get_nowait())
            except queue.Empty:
                return

    with tempfile.TemporaryDirectory(prefix="kb-claims-") as claims:
        try:
            for n in range(workers):
                try:
                    proc = subprocess.Popen([sys.executable, WORKER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                            stderr=subprocess.DEVNULL)
                except OSError:  # no interpreter to start (an embedded one): this process reads them all
                    break
                procs.append(proc)
                running += 1
                stay = keep and n == 0
                if stay:
                    helper = Helper(proc)
                threading.Thread(target=_relay, args=(proc, done, messages, helper if stay else None),
                                 daemon=True).start()
                assert proc.stdin is not None
                try:
                    line = json.dumps({**job, "groups": groups, "claims": claims, "stay": stay})
                    proc.stdin.write(line.encode("utf-8") + b"\n")
                    proc.stdin.flush()
                    if not stay:
                        proc.stdin.close()
                except OSError:  # it died at once: its files are read by this process
                    pass
            own_ok = True
            if here is not None:
                try:
                    here(groups, claims, report)
                except Exception:  # a bug must not stop the run: whatever has no record is read again
                    own_ok = False
            while running:
                count(done.get())
            ok = own_ok and all_ok and len(procs) == workers
            finished = True
        finally:
            for proc in procs:
                if proc.poll() is None and not (finished and helper is not None and proc is helper.proc):
                    proc.kill()  # interrupted: leave nothing running (the others have said they ended)
                    proc.wait()
    progress.finish(f"read {read:,} files in {jobs} processes" if ok else
                    f"read {read:,} files in {jobs} processes; the rest are read here")
    return ok, helper


def split(shards: list[int], jobs: int) -> list[list[int]]:
    """`shards` in groups that shrink towards the end (guided scheduling): each group at most a
    `SPLIT`th of a process's share (memory holds one group's files), and at most a quarter of
    what is left per process, down to one shard. So the processes finish at nearly the same time:
    the last one to end waits at most for one small group, not for a whole share's eighth."""
    most = max(1, len(shards) // (jobs * SPLIT))
    groups, start = [], 0
    while start < len(shards):
        size = min(most, max(1, -(-(len(shards) - start) // (jobs * 4))))
        groups.append(shards[start:start + size])
        start += size
    return groups


def claim(claims: str, group: int) -> bool:
    """Take group number `group` for this process: True for exactly one of the processes asking."""
    try:
        os.close(os.open(os.path.join(claims, str(group)), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
    except FileExistsError:
        return False
    return True


def _relay(proc: subprocess.Popen[bytes], done: queue.SimpleQueue[int | str],
           messages: Callable[[dict[str, Any]], None] | None, helper: Helper | None) -> None:
    """A worker's lines to the waiting process: files read since its last line, `ended` once its
    share is written, other messages as JSON (a `Helper`'s answer among them)."""
    assert proc.stdout is not None
    ended = False
    try:
        for line in proc.stdout:
            text = line.strip()
            if text.isdigit():
                done.put(int(text))
            elif text == b"ended" and not ended:
                ended = True
                done.put(_ENDED)
            elif text.startswith(b"{"):
                try:
                    message = json.loads(text)
                except ValueError:  # a broken line: what it said is worked out here instead
                    continue
                if helper is not None and "answer" in message:
                    helper.answers.put(message["answer"])
                elif messages is not None:
                    messages(message)
    finally:
        if not ended:
            done.put(_FAILED)
        if helper is not None:
            helper.answers.put(None)  # it ended: no answer (after one, a second get never comes)
        proc.wait()
