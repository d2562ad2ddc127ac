"""`kb validate` as a user runs it, at growing sizes: CPU time and peak memory of the command,
against a bare parse of the same files in its own process, side by side.

    python bench/bench_validate_growth.py --entries 10000 100000 [--json PATH]

Per size, interleaved: (a) the bare parse (read, split, libyaml) in a child process, before and
after; (b) cold: `kb validate` with an empty `.kb_cache` (what a run without the cache costs, plus
writing the cache), once in one process (`-j 1`) and once as it runs by default (its workers
fill the cache: one per processor); (c) warm: nothing changed; (d) warm after one entry changed.
CPU time (user + system, from `os.wait4`: the workers' included) is the figure to compare on a
shared machine; wall time is what a user waits for; peak memory is the command's process tree
(its workers included), sampled.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any

from common import OUT, fmt_s, kb_command, markdown_table, prepare_kb, run_child

BARE = """
import sys, yaml
from pathlib import Path
content = Path(sys.argv[1])
n = 0
for path in sorted([*content.glob("defects/*.md"), *content.glob("lessons/*.md")]):
    text = path.read_text(encoding="utf-8")
    end = text.find("\\n---\\n", 4)
    if text.startswith("---\\n") and end > 0 and yaml.load(text[4:end], Loader=yaml.CSafeLoader) is not None:
        n += 1
print(n)
"""


def _run(cmd: list[str], cwd: Path) -> dict[str, Any]:
    run = run_child(cmd, cwd)
    if run.returncode not in (0, 1):  # 1: findings (warnings do not fail, errors would)
        raise SystemExit(f"`{' '.join(cmd)}` exited {run.returncode}:\n{run.stderr[-2000:]}")
    return {"seconds": run.seconds, "cpu_seconds": run.cpu_seconds, "max_rss_kib": run.max_rss_kib,
            "tree_rss_kib": run.tree_rss_kib, "tail": (run.stdout.strip().splitlines() or [""])[-1]}


def _touch_one(content: Path) -> None:
    """Change one entry's text the way an edit does (a sentence appended to its body)."""
    path = sorted(content.glob("defects/*.md"))[len(list(content.glob("defects/*.md"))) // 2]
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more observation.\n", encoding="utf-8")


def measure(entries: int) -> dict[str, Any]:
    folder = prepare_kb(entries, recheck=False)
    work = OUT / f"growth-{entries}"
    if not work.exists():  # a copy: the warm run with one change edits a file
        shutil.copytree(folder / "content", work / "content")
    content = work / "content"
    cache = work / ".kb_cache"
    kb = kb_command()
    shutil.rmtree(cache, ignore_errors=True)
    result: dict[str, Any] = {"entries": entries}
    result["bare"] = _run([sys.executable, "-c", BARE, str(content)], work)
    result["cold_one"] = _run([*kb, "validate", "-j", "1", "content"], work)
    shutil.rmtree(cache, ignore_errors=True)
    result["cold"] = _run([*kb, "validate", "content"], work)
    result["warm"] = _run([*kb, "validate", "content"], work)
    _touch_one(content)
    result["warm_one_change"] = _run([*kb, "validate", "content"], work)
    result["bare_again"] = _run([sys.executable, "-c", BARE, str(content)], work)
    return result


ROWS = [("bare", "(a) bare parse: read + split + libyaml"),
        ("cold_one", "(b) `kb validate -j 1`, empty cache, one process"),
        ("cold", "(b) `kb validate`, empty cache, workers"),
        ("warm", "(c) `kb validate`, warm, nothing changed"),
        ("warm_one_change", "(d) `kb validate`, warm, one entry changed")]


def to_markdown(results: list[dict[str, Any]]) -> str:
    out = []
    for r in results:
        base = min(r["bare"]["cpu_seconds"], r["bare_again"]["cpu_seconds"])
        wall = min(r["bare"]["seconds"], r["bare_again"]["seconds"])
        rows = [[label, fmt_s(r[k]["seconds"]), f"**{r[k]['seconds'] / wall:.2f}×**", fmt_s(r[k]["cpu_seconds"]),
                 f"**{r[k]['cpu_seconds'] / base:.2f}×**", f"{_memory(r[k]) / 1024:.0f} MiB"]
                for k, label in ROWS if k in r]
        out.append(f"{r['entries']:,} entries\n\n" + markdown_table(
            ["what", "wall time", "wall vs (a)", "CPU time", "CPU vs (a)", "peak memory"], rows))
    if len(results) > 1:
        a, b = results[0], results[-1]
        rows = [[label, f"{b[k]['cpu_seconds'] / a[k]['cpu_seconds']:.1f}×",
                 f"{_memory(b[k]) / _memory(a[k]):.1f}×"] for k, label in ROWS if k in a and k in b]
        out.append(f"Growth {a['entries']:,} → {b['entries']:,} entries\n\n"
                   + markdown_table(["what", "CPU time", "peak memory"], rows))
    return "\n\n".join(out)


def _memory(run: dict[str, Any]) -> int:
    return max(run["max_rss_kib"], run.get("tree_rss_kib", 0))  # older results: the largest process


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, nargs="+", default=[10000, 100000])
    ap.add_argument("--json", type=Path)
    args = ap.parse_args(argv)
    results = [measure(n) for n in args.entries]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(to_markdown(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
