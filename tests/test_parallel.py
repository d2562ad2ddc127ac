"""A cold `kb validate` in several processes (defectkb.cache.parallel): the same report as one
process, a complete cache afterwards, and a worker that dies costs time, never a finding."""

from __future__ import annotations

import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT
from defectkb.cache.parallel import MIN_FILES, SPLIT, jobs_wanted, split

sys.path.insert(0, str(ROOT / "bench"))
from generate import ensure  # the benchmarks' generator: realistic entries

KB = [sys.executable, "-c", "import sys; from defectkb.cli import main; sys.exit(main())"]
ENTRIES = MIN_FILES + 200


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("parallel")
    ensure(ENTRIES, folder)
    return folder


@pytest.fixture(scope="module")
def alone(big: Path) -> str:
    """The report of one process without the cache: what every other way must print."""
    run = validate(big, "--no-cache")
    assert run.returncode == 0, run.stderr
    return run.stdout


def validate(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KB_PROGRESS_AFTER": "0", "CI": "true"}  # every stage's line, no bar
    return subprocess.run([*KB, "validate", *args, "content"], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=600)


def fresh(folder: Path) -> None:
    shutil.rmtree(folder / ".kb_cache", ignore_errors=True)


def test_two_processes_report_what_one_reports_and_fill_the_cache(big: Path, alone: str) -> None:
    fresh(big)
    one = validate(big, "-j", "1")
    assert "processes" not in one.stderr
    fresh(big)
    two = validate(big, "-j", "2")
    assert f"read {ENTRIES:,} files in 2 processes" in two.stderr, two.stderr
    assert two.stdout == one.stdout == alone
    assert f"checked {ENTRIES} files" in two.stdout
    # What the workers wrote is what this process read: every file came from the cache, and the
    # next run reads none of them again.
    assert f"loaded {ENTRIES:,} entries ({ENTRIES:,} from the cache" in two.stderr, two.stderr
    warm = validate(big, "-j", "2")
    assert "processes" not in warm.stderr
    assert f"{ENTRIES:,} not read again" in warm.stderr, warm.stderr
    assert warm.stdout == alone


@pytest.mark.parametrize("elsewhere", [True, False])
def test_the_near_duplicate_search_runs_in_a_worker_while_this_process_reads_the_records(
        big: Path, alone: str, elsewhere: bool) -> None:
    """A cold run in two processes: the worker, once its share is written, searches every title
    for near duplicates while this process reads the records back; this process never loads
    jieba's dictionary, and the findings are those of one process. Past SEARCH_ELSEWHERE_UP_TO
    files (memory), this process searches, with the same findings."""
    fresh(big)
    limit = "" if elsewhere else "K.SEARCH_ELSEWHERE_UP_TO = 10"
    script = f"""
import sys
from pathlib import Path
from defectkb.authoring import similar
import defectkb.knowledgebase as K
from defectkb.knowledgebase import LoadOptions, load, load_options
{limit}
with load_options(LoadOptions(disk_cache=True, keep_bodies=False, jobs=2)):
    kb = load(Path("content"), display_base=Path.cwd())
found = sorted(f"{{d.path}}:{{d.line}}:{{d.column}}: {{d.code}} {{d.message}}" for d in kb.diagnostics
               if d.code == "KB310")
print(similar.segmenter_loaded(), len(found))
print("\\n".join(found))
"""
    run = subprocess.run([sys.executable, "-c", script], cwd=big, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    first, *found = run.stdout.splitlines()
    loaded, count = first.split()
    assert loaded == str(not elsewhere)  # where the search ran
    assert int(count) > 0 and len(found) == int(count)
    assert all(line in alone for line in found)
    assert len(found) == alone.count(" KB310 ")


def test_a_search_elsewhere_that_does_not_answer_is_run_here() -> None:
    """The worker's findings are taken only for exactly the titles it was sent, and a worker that
    ends without answering leaves the search to this process (None: search here)."""
    from defectkb.cache.parallel import Helper, _relay
    from defectkb.knowledgebase import _SearchElsewhere

    proc = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.readline()"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE)
    helper = Helper(proc)
    done: queue.SimpleQueue[int | str] = queue.SimpleQueue()
    threading.Thread(target=_relay, args=(proc, done, None, helper), daemon=True).start()
    titles = [("DEF-0001", "Invoice export loses cents", "defects/a.md", "defect")]
    assert helper.ask({"titles": titles, "new": [True]})
    elsewhere = _SearchElsewhere(helper, titles, [True])
    assert elsewhere(titles, [False]) is None  # other inputs: not even waited for
    assert elsewhere(titles, [True]) is None  # it ended without an answer
    assert proc.wait(timeout=30) == 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="finds the workers through /proc")
def test_a_worker_killed_midway_costs_time_not_findings(big: Path, alone: str) -> None:
    fresh(big)
    env = {**os.environ, "KB_PROGRESS_AFTER": "0", "CI": "true"}
    proc = subprocess.Popen([*KB, "validate", "-j", "2", "content"], cwd=big, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and proc.poll() is None and time.monotonic() < deadline:
        workers = _children(proc.pid)
        if workers:
            time.sleep(0.3)  # let it read some files first
            os.kill(workers[0], signal.SIGKILL)
            killed = workers[0]
        time.sleep(0.01)
    out, err = proc.communicate(timeout=600)
    assert killed is not None, "no worker process was seen"
    assert "the rest are read here" in err, err
    assert out == alone


def test_jobs_from_the_option_the_environment_or_the_processors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KB_JOBS", "3")
    assert jobs_wanted(None) == 3
    assert jobs_wanted(1) == 1
    monkeypatch.delenv("KB_JOBS")
    assert 1 <= jobs_wanted(None) <= 8
    bad = subprocess.run([*KB, "validate", "--jobs", "0"], capture_output=True, text=True)
    assert bad.returncode == 2 and "expected a number of processes" in bad.stderr
    monkeypatch.setenv("KB_JOBS", "many")
    with pytest.raises(ValueError, match="KB_JOBS must be a number of processes"):
        jobs_wanted(None)
    assert jobs_wanted(2) == 2  # --jobs wins over a bad KB_JOBS
    bad = subprocess.run([*KB, "validate"], capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2, bad.stderr
    assert bad.stderr.strip() == "kb: error: KB_JOBS must be a number of processes (1 or more), not 'many'; " \
                                 "or pass --jobs N"


def test_a_group_is_claimed_by_exactly_one_process(tmp_path: Path) -> None:
    from defectkb.cache.parallel import claim

    script = "import sys; from defectkb.cache.parallel import claim; print(sum(claim(sys.argv[1], n) for n in range(200)))"
    procs = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
             for _ in range(3)]
    took = [int(p.communicate(timeout=60)[0]) for p in procs]
    assert sum(took) == 200, took
    assert not claim(str(tmp_path), 7) and claim(str(tmp_path), 200)


@pytest.mark.parametrize(("shards", "jobs"), [(256, 2), (256, 8), (40, 3), (3, 2), (1, 1)])
def test_groups_cover_every_shard_once_and_shrink_towards_the_end(shards: int, jobs: int) -> None:
    groups = split(list(range(shards)), jobs)
    assert [s for group in groups for s in group] == list(range(shards))  # each once, in order
    sizes = [len(group) for group in groups]
    assert max(sizes) <= max(1, shards // (jobs * SPLIT))  # memory holds one group's files
    assert sizes == sorted(sizes, reverse=True) and sizes[-1] == 1  # a short wait at the end
    if shards >= jobs * SPLIT * 4:
        assert sizes.count(1) >= jobs  # each process's last group is one shard
