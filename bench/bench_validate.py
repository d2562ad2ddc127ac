"""`kb validate` at scale, as a ratio against the cheapest possible reading of the same files.

    python bench/bench_validate.py --entries 10000 [--repeat 3] [--profile] [--json PATH]

Measured in one process, interleaved, best of --repeat, in wall time and in CPU time (the process's
user + system time: on a machine shared with other jobs it moves far less than the wall time):
  (a) baseline: read each .md, split the front matter, yaml.load(fm, Loader=yaml.CSafeLoader);
  (b) kb validate in-process: kb.knowledgebase.load(Path(content), Config(), keep_bodies=False), every
      rule included, without the validation cache;
  (c) with the validation cache (a fresh folder under bench/out), loading as `kb validate` does
      (no bodies kept: `keep_bodies=False`): cold (empty cache, written), warm with no change, warm
      with one changed entry (an extra line in its body).
The CLI (`kb validate --no-cache content`, a subprocess: interpreter start, imports, output) is timed once
for reference.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import inspect
import io
import json
import os
import pstats
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml
from common import REPO, fmt_bytes, fmt_s, kb_command, markdown_table, prepare_kb, run_child, timed
from defectkb.config import Config
from defectkb.knowledgebase import load

try:
    from defectkb.knowledgebase import collector_paused as paused
except ImportError:  # older code
    paused = contextlib.nullcontext


def entry_files(content: Path) -> list[Path]:
    return sorted([*content.glob("defects/*.md"), *content.glob("lessons/*.md")])


def bare_parse(files: list[Path]) -> int:
    """What any front-matter tool has to do at least: read, split, parse YAML with libyaml."""
    parsed = 0
    for path in files:
        text = path.read_text(encoding="utf-8")
        if not text.startswith("---\n"):
            continue
        end = text.find("\n---\n", 4)
        if end < 0:
            continue
        fm, _body = text[4:end], text[end + 5 :]
        if yaml.load(fm, Loader=yaml.CSafeLoader) is not None:
            parsed += 1
    return parsed


def kb_load(content: Path, cache: Path | None = None) -> tuple[int, int]:
    # As `kb validate` loads: no bodies kept (they are checked as the files are read). Older code
    # (measured for a before/after comparison) has no such option.
    options = {"keep_bodies": False} if "keep_bodies" in inspect.signature(load).parameters else {}
    # As the command runs: with the cyclic collector paused throughout (older code: only in load).
    with paused():
        kb = load(content, Config(), display_base=content.parent, disk_cache=cache if cache else False, **options)
        report = kb.report()
        counts = report.errors, len(kb.entries)
        del kb, report  # freed inside, as the command frees them
    return counts


def cached_runs(content: Path, files: list[Path], cache: Path, round_: int) -> dict[str, tuple[float, float]]:
    """Cold, warm and warm-after-one-edit loads with the validation cache in `cache`: (wall, CPU)."""
    shutil.rmtree(cache, ignore_errors=True)
    out = {}
    out["cold"], _ = timed(kb_load, content, cache)
    out["warm"], _ = timed(kb_load, content, cache)
    edited = files[len(files) // 2]
    original = edited.read_bytes()
    try:
        edited.write_bytes(original + f"\nEdited for the benchmark, round {round_}.\n".encode())
        out["warm_one_change"], (errors, _) = timed(kb_load, content, cache)
    finally:
        edited.write_bytes(original)
    if errors:
        raise SystemExit(f"error: the edited entry {edited} does not validate")
    return out


def profile_load(content: Path, top: int) -> str:
    prof = cProfile.Profile()
    prof.enable()
    kb_load(content)
    prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf)
    stats.sort_stats("tottime").print_stats(top)
    # the project's own functions by cumulative time: which step or rule costs what
    stats.sort_stats("cumulative").print_stats(rf"^{REPO}/kb/", top)
    text = buf.getvalue().replace(f"{REPO}/", "")
    return re.sub(r"\S*/site-packages/", "", re.sub(r"/\S*/lib/python3\.\d+/", "", text))


def measure(entries: int, seed: int, repeat: int, with_profile: bool) -> dict[str, Any]:
    if not hasattr(yaml, "CSafeLoader"):
        raise SystemExit("error: PyYAML was built without libyaml; the baseline needs yaml.CSafeLoader")
    folder = prepare_kb(entries, seed)
    content = folder / "content"
    files = entry_files(content)
    bare_parse(files)  # warm the page cache so neither side pays for the first disk read
    base_times: list[float] = []
    kb_times: list[float] = []
    cpu: dict[str, list[float]] = {"baseline": [], "kb": [], "cold": [], "warm": [], "warm_one_change": []}
    cache = folder / "bench-kb-cache"
    cached: dict[str, list[float]] = {"cold": [], "warm": [], "warm_one_change": []}
    for i in range(repeat):
        (t, c), parsed = timed(bare_parse, files)
        base_times.append(t)
        cpu["baseline"].append(c)
        (t, c), (errors, loaded) = timed(kb_load, content)
        kb_times.append(t)
        cpu["kb"].append(c)
        if errors:
            raise SystemExit(f"error: kb.knowledgebase.load reported {errors} errors in {content}")
        if parsed != len(files) or loaded != len(files):
            raise SystemExit(f"error: parsed {parsed} and loaded {loaded} of {len(files)} files")
        for key, (wall, c) in cached_runs(content, files, cache, i).items():
            cached[key].append(wall)
            cpu[key].append(c)
        print(f"  run {i + 1}: baseline {base_times[-1]:.3f} s, kb validate {kb_times[-1]:.3f} s; cached: "
              f"cold {cached['cold'][-1]:.3f} s, warm {cached['warm'][-1]:.3f} s, "
              f"one change {cached['warm_one_change'][-1]:.3f} s (CPU: baseline {cpu['baseline'][-1]:.3f} s, "
              f"cold {cpu['cold'][-1]:.3f} s, warm {cpu['warm'][-1]:.3f} s, "
              f"one change {cpu['warm_one_change'][-1]:.3f} s)", flush=True)
    shutil.rmtree(cache, ignore_errors=True)
    cli = run_child([*kb_command(), "validate", "--no-cache", "content"], folder)
    if cli.returncode != 0:
        raise SystemExit(f"error: `kb validate content` exited {cli.returncode}:\n{cli.stdout[-2000:]}"
                         f"{cli.stderr[-2000:]}")
    result: dict[str, Any] = {
        "entries": entries, "files": len(files), "bytes": sum(p.stat().st_size for p in files),
        "repeat": repeat, "baseline_runs": base_times, "kb_runs": kb_times,
        "baseline": min(base_times), "kb": min(kb_times), "ratio": min(kb_times) / min(base_times),
        **{f"{key}_runs": runs for key, runs in cached.items()},
        **{key: min(runs) for key, runs in cached.items()},
        **{f"{key}_ratio": min(runs) / min(base_times) for key, runs in cached.items()},
        **{f"{key}_cpu_runs": runs for key, runs in cpu.items()},
        **{f"{key}_cpu": min(runs) for key, runs in cpu.items()},
        **{f"{key}_cpu_ratio": min(runs) / min(cpu["baseline"]) for key, runs in cpu.items()},
        "load_average": os.getloadavg(),
        "cli": cli.seconds, "cli_max_rss_kib": cli.max_rss_kib, "cli_output": cli.stdout.strip().splitlines()[-1],
    }
    if with_profile:
        result["profile"] = profile_load(content, 20)
    return result


def to_markdown(r: dict[str, Any]) -> str:
    per = 1e6 / r["files"]
    def cpu(key: str) -> list[str]:
        return [fmt_s(r[f"{key}_cpu"]), f"**{r[f'{key}_cpu_ratio']:.2f}×**"] if f"{key}_cpu" in r else ["—", "—"]

    rows = [
        ["(a) baseline: read + split + `yaml.load(CSafeLoader)`", fmt_s(r["baseline"]),
         f"{r['baseline'] * per:.0f} µs", "1.0×", *cpu("baseline")],
        ["(b) `kb validate`, in-process, no cache", fmt_s(r["kb"]),
         f"{r['kb'] * per:.0f} µs", f"**{r['ratio']:.2f}×**", *cpu("kb")],
        ["(c) cache cold: empty `.kb_cache`, filled by this run", fmt_s(r["cold"]),
         f"{r['cold'] * per:.0f} µs", f"**{r['cold_ratio']:.2f}×**", *cpu("cold")],
        ["(c) cache warm, nothing changed", fmt_s(r["warm"]), f"{r['warm'] * per:.0f} µs",
         f"**{r['warm_ratio']:.2f}×**", *cpu("warm")],
        ["(c) cache warm, one entry changed", fmt_s(r["warm_one_change"]),
         f"{r['warm_one_change'] * per:.0f} µs", f"**{r['warm_one_change_ratio']:.2f}×**", *cpu("warm_one_change")],
        ["`kb validate --no-cache content` CLI, subprocess, 1 run", fmt_s(r["cli"]), f"{r['cli'] * per:.0f} µs",
         f"{r['cli'] / r['baseline']:.1f}×", "—", "—"],
    ]
    head = (f"{r['files']:,} entries, {fmt_bytes(r['bytes'])} of Markdown; best of {r['repeat']} "
            f"interleaved runs in one process. CLI peak RSS {r['cli_max_rss_kib'] / 1024:.0f} MiB; "
            f"it printed: `{r['cli_output']}`")
    if "load_average" in r:
        head += f"; load average at the end {' '.join(f'{x:.1f}' for x in r['load_average'])}"
    return head + "\n\n" + markdown_table(["what", "time", "per entry", "vs baseline", "CPU time", "CPU vs baseline"],
                                          rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--profile", action="store_true", help="also profile one in-process validation")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    r = measure(args.entries, args.seed, args.repeat, args.profile)
    print()
    print(f"entries {r['files']}: baseline {fmt_s(r['baseline'])}, kb validate in-process {fmt_s(r['kb'])}, "
          f"ratio {r['ratio']:.1f}x; cached: cold {r['cold_ratio']:.2f}x, warm {r['warm_ratio']:.2f}x, "
          f"one change {r['warm_one_change_ratio']:.2f}x; CLI subprocess {fmt_s(r['cli'])}")
    print()
    print(to_markdown(r))
    if args.profile:
        print()
        print(r["profile"])
    if args.json:
        args.json.write_text(json.dumps(r, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.json.relative_to(REPO) if args.json.is_relative_to(REPO) else args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
