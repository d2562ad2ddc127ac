"""Helpers shared by the benchmark scripts: where generated knowledge bases live, making sure
they exist and validate, running children with their own resource usage, machine facts."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from generate import ensure

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "bench" / "out"  # gitignored
VALID_MARK = ".validated.json"  # kb validate passed for this exact generated content


def kb_dir(entries: int, seed: int = 1, lesson_share: float = 0.2) -> Path:
    name = f"kb-{entries}" if (seed, lesson_share) == (1, 0.2) else f"kb-{entries}-s{seed}-l{lesson_share}"
    return OUT / name


def kb_command() -> list[str]:
    """`kb` from the same environment as this interpreter."""
    exe = Path(sys.executable).parent / "kb"
    if exe.is_file():
        return [str(exe)]
    return [sys.executable, "-c", "import sys; from defectkb.cli import main; sys.exit(main())"]


def child_env() -> dict[str, str]:
    env = dict(os.environ)
    env["NO_MKDOCS_2_WARNING"] = "1"  # mkdocs-material prints a banner about MkDocs 2 otherwise
    env["PYTHONPATH"] = str(REPO) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


@dataclass
class ChildRun:
    returncode: int
    seconds: float
    max_rss_kib: int  # the largest peak of one process: the child or any process it waited for (KiB)
    stdout: str
    stderr: str
    tree_rss_kib: int = 0  # peak of the summed resident sets of the child and all its descendants
    cpu_seconds: float = 0.0  # user + system time of the child and every process it waited for
    peak_parts: dict[str, int] = field(default_factory=dict)  # at the tree's peak: KiB by process name


PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


def _cmdline(pid: int) -> bytes:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""


def _descendants(pid: int) -> list[int]:
    """pid and every process below it, from /proc/<pid>/task/<tid>/children (Linux).

    A child that is still its parent's fork (same command line: it has not exec'd yet, as when
    the build starts the search indexer) is left out: its resident pages are the parent's,
    shared copy-on-write, and /proc would count them twice for the moment it lasts.
    """
    found, todo = [], [(pid, None)]
    while todo:
        p, parent_cmd = todo.pop()
        cmd = _cmdline(p)
        if parent_cmd is not None and cmd == parent_cmd:
            continue
        found.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as f:
                    todo.extend((int(c), cmd) for c in f.read().split())
        except OSError:  # the process ended meanwhile
            continue
    return found


def _name(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8") as f:
            return f.read().strip()
    except OSError:
        return "?"


def _rss_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as f:
            return int(f.read().split()[1]) * PAGE_KIB
    except (OSError, IndexError, ValueError):
        return 0


class TreeSampler:
    """Samples the summed RSS of a process tree every `interval` seconds, in a thread: peaks
    that last less than an interval can be missed, the search indexer's (seconds long) cannot."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval, self.peak_kib = pid, interval, 0
        self.peak_parts: dict[str, int] = {}  # what made up the peak: process name -> KiB
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            sizes = [(p, _rss_kib(p)) for p in _descendants(self.pid)]
            total = sum(k for _, k in sizes)
            if total > self.peak_kib:
                self.peak_kib = total
                parts: dict[str, int] = {}
                for p, k in sizes:
                    if k:
                        parts[_name(p)] = parts.get(_name(p), 0) + k
                self.peak_parts = parts
            self._stop.wait(self.interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak_kib


def run_child(cmd: list[str], cwd: Path, timeout: float | None = None) -> ChildRun:
    """Run a command and measure it. os.wait4 gives the rusage of this one child, whereas
    RUSAGE_CHILDREN would report the maximum over every child waited for so far."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, env=child_env(), stdout=out, stderr=err)
        sampler = TreeSampler(proc.pid)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, 0 if timeout is None else os.WNOHANG)
            if pid:
                break
            if timeout is not None and time.perf_counter() - t0 > timeout:
                proc.kill()
                timed_out = True
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.01)
        seconds = time.perf_counter() - t0
        tree = sampler.stop()
        proc.returncode = os.waitstatus_to_exitcode(status)  # tell Popen the child is reaped
        out.seek(0)
        err.seek(0)
        # ru_maxrss already covers the child and the children it waited for, one at a time
        return ChildRun(-9 if timed_out else proc.returncode, seconds, usage.ru_maxrss,
                        out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                        tree_rss_kib=max(tree, usage.ru_maxrss), cpu_seconds=usage.ru_utime + usage.ru_stime,
                        peak_parts=sampler.peak_parts)


def rules_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted((REPO / "kb").rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def prepare_kb(entries: int, seed: int = 1, lesson_share: float = 0.2, *, quiet: bool = False,
               recheck: bool = True) -> Path:
    """Generate the knowledge base unless it is already there, and make sure `kb validate`
    reports no errors; a benchmark of an invalid knowledge base would measure error paths.
    With recheck=False, content that passed once (with any version of the rules) is not checked
    again: for the site build, which validates by itself and fails on errors."""
    folder = kb_dir(entries, seed, lesson_share)
    t0 = time.perf_counter()
    made = ensure(entries, folder, seed, lesson_share)
    if made and not quiet:
        print(f"generated {entries} entries in {folder.relative_to(REPO)} ({time.perf_counter() - t0:.1f} s)")
    # valid for this content and this version of the rules; either changing means checking again
    stamp = (folder / ".defectkb-bench.json").read_text(encoding="utf-8") + rules_digest()
    mark = folder / VALID_MARK
    content_stamp = (folder / ".defectkb-bench.json").read_text(encoding="utf-8")
    if not made and mark.is_file() and (mark.read_text(encoding="utf-8") == stamp or (
            not recheck and mark.read_text(encoding="utf-8").startswith(content_stamp))):
        return folder
    run = run_child([*kb_command(), "validate", "content", "--format", "json"], folder)
    try:
        summary = json.loads(run.stdout)["summary"]
    except (ValueError, KeyError):
        raise SystemExit(f"error: `kb validate` on {folder} did not produce a report (exit {run.returncode}):\n"
                         f"{run.stderr[-3000:]}") from None
    if run.returncode != 0 or summary.get("errors"):
        diags = json.loads(run.stdout).get("diagnostics", [])[:15]
        shown = "\n".join(f"  {d.get('path')}:{d.get('line')}: {d.get('code')} {d.get('message')}" for d in diags)
        raise SystemExit(f"error: the generated knowledge base {folder} does not validate "
                         f"({summary.get('errors')} errors); bench/generate.py is out of step with the rules:\n"
                         f"{shown}")
    mark.write_text(stamp, encoding="utf-8")
    if not quiet:
        print(f"kb validate: 0 errors, {summary.get('warnings', 0)} warnings in {summary.get('entries')} entries")
    return folder


def version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def machine_facts() -> dict[str, str]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        model = platform.processor()
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    except OSError:
        pass
    import yaml

    return {
        "cpus": str(os.cpu_count()),
        "cpu model": model or "unknown",
        "memory": mem or "unknown",
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "mkdocs": version("mkdocs"),
        "mkdocs-material": version("mkdocs-material"),
        "pydantic": version("pydantic"),
        "pydantic-core": version("pydantic_core"),
        "PyYAML": f"{version('PyYAML')} (libyaml: {'yes' if yaml.__with_libyaml__ else 'no'})",
        "Markdown": version("Markdown"),
        "pymdown-extensions": version("pymdown-extensions"),
        "jieba": version("jieba"),
        "nh3": version("nh3"),
    }


def timed(fn: Any, *args: Any) -> tuple[tuple[float, float], Any]:
    """(wall time, CPU time) of one call in this process, and its result."""
    gc.collect()  # do not bill one side for the other's garbage
    t0, c0 = time.perf_counter(), time.process_time()
    result = fn(*args)
    return (time.perf_counter() - t0, time.process_time() - c0), result


def fmt_s(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds < 100 else f"{seconds:.0f} s"


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GiB"  # pragma: no cover


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
