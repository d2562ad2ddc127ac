"""Run every scale benchmark and write bench/RESULTS.md.

    python bench/run_all.py [--validate-entries 10000] [--build-entries 1000 10000]
                            [--profile-entries 10000] [--build-timeout 1800]

Generated knowledge bases are kept in bench/out/ (gitignored) and reused while the generator is
unchanged. Each benchmark runs as its own process (so one does not warm or fill memory for the
next) and hands its numbers back as JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bench_build
import bench_validate
import profile_build
from common import REPO, child_env, fmt_bytes, kb_dir, machine_facts, markdown_table, prepare_kb

HERE = Path(__file__).resolve().parent


def run_script(script: str, args: list[str], tmp: Path) -> Any:
    """Run a benchmark script with its output on our console; return what it wrote as JSON."""
    out = tmp / f"{script}.json"
    cmd = [sys.executable, str(HERE / f"{script}.py"), *args, "--json", str(out)]
    print(f"\n$ python bench/{script}.py {' '.join(args)}", flush=True)
    proc = subprocess.run(cmd, cwd=REPO, env=child_env(), check=False)
    if proc.returncode != 0:
        if out.is_file():  # bench_build writes partial results after every size
            print(f"warning: {script} exited {proc.returncode}; keeping its partial results", file=sys.stderr)
            return json.loads(out.read_text(encoding="utf-8"))
        raise SystemExit(f"error: {script} exited {proc.returncode}")
    return json.loads(out.read_text(encoding="utf-8"))


def git_state() -> str:
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "kb", "plugins", "mkdocs.yml", "pyproject.toml"],
                               cwd=REPO, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    if not dirty:
        return head
    diff = subprocess.run(["git", "diff", "HEAD", "--", "kb", "plugins", "mkdocs.yml"], cwd=REPO,
                          capture_output=True, check=False).stdout
    return (f"{head} with uncommitted changes in {len(dirty.splitlines())} file(s) of kb/, plugins/ "
            f"(diff {hashlib.sha256(diff).hexdigest()[:8]})")


def kb_summary(entries: int) -> list[str]:
    content = kb_dir(entries) / "content"
    defects = list(content.glob("defects/*.md"))
    lessons = list(content.glob("lessons/*.md"))
    sizes = sorted(p.stat().st_size for p in [*defects, *lessons])
    return [f"{entries:,}", f"{len(defects):,}", f"{len(lessons):,}", fmt_bytes(sum(sizes)),
            f"{sizes[len(sizes) // 2]:,} B", f"{sizes[0]:,}–{sizes[-1]:,} B"]


def write_results(path: Path, facts: dict[str, str], started: datetime, seconds: float, kbs: list[list[str]],
                  validate: dict[str, Any] | None, build: list[dict[str, Any]] | None,
                  profile: dict[str, Any] | None, top: int) -> None:
    parts = [
        "# Scale benchmarks",
        "",
        f"Written by `bench/run_all.py` on {started:%Y-%m-%d %H:%M} UTC in {seconds / 60:.0f} min. "
        "Every figure is a ratio against a baseline measured side by side on the same machine and the same "
        "files, so it can be compared across machines; absolute times are given for scale.",
        "",
        "## Machine",
        "",
        markdown_table(["", ""], [[k, v] for k, v in facts.items()]),
        "",
        "## Generated knowledge bases",
        "",
        "`bench/generate.py` (seed 1, 20% lessons): half Chinese, half English; every status, severity and "
        "lifecycle path; three years of dates; 60 people, 8 products, 42 tags. `kb validate` reports "
        "0 errors and 0 warnings on each.",
        "",
        markdown_table(["entries", "defects", "lessons", "Markdown", "median entry", "entry sizes"], kbs),
    ]
    if validate:
        parts += ["", "## `kb validate`", "", bench_validate.to_markdown(validate)]
        if validate.get("profile"):
            parts += ["", "Where the validation time goes (cProfile of one in-process run: all functions by own "
                      "time, then the project's by cumulative time):", "",
                      "```text", validate["profile"].strip(), "```"]
    if build:
        parts += ["", "## Site build", "",
                  "(a) is mkdocs-material alone over the same content (plugins: only `search`; same theme "
                  "language and Markdown extensions; a one-page nav). (b) is the project's `mkdocs.yml`; (c) is (b) "
                  "without the search index. All are `python -m mkdocs build -q` subprocesses; peak memory is that "
                  "of the whole process tree (the build, the chart worker and the Pagefind runs, summed, sampled "
                  "from /proc every 50 ms), next to the largest single process (`os.wait4`). "
                  "`--build-entries 1000 10000 100000` adds the 100,000-entry size.", "",
                  bench_build.to_markdown(build)]
    if profile:
        parts += ["", "## Where the build time goes", "", profile_build.to_markdown(profile, top)]
    parts += ["", "## Reproduce", "", "```sh", ".venv/bin/python bench/run_all.py", "```", ""]
    path.write_text("\n".join(parts), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--validate-entries", type=int, default=10000)
    ap.add_argument("--build-entries", type=int, nargs="*", default=[1000, 10000],
                    help="sizes for bench_build (none: skip it)")
    ap.add_argument("--profile-entries", type=int, default=10000, help="size for profile_build (0: skip it)")
    ap.add_argument("--build-timeout", type=float, default=1800, help="seconds before one build is abandoned")
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    args = ap.parse_args(argv)

    started = datetime.now(UTC)
    t0 = time.perf_counter()
    facts = machine_facts()
    facts["load average at start"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    facts["code measured"] = git_state()
    sizes = sorted({args.validate_entries, *args.build_entries, *([args.profile_entries] if args.profile_entries
                                                                 else [])})
    for n in sizes:  # generate and validate up front, so a broken generator fails in seconds
        prepare_kb(n)
    kbs = [kb_summary(n) for n in sizes]

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        validate = run_script("bench_validate", ["--entries", str(args.validate_entries), "--profile"], tmp)
        build = None
        if args.build_entries:
            build = run_script("bench_build", ["--entries", *map(str, args.build_entries),
                                               "--timeout", str(args.build_timeout)], tmp)
        profile = None
        if args.profile_entries:
            profile = run_script("profile_build", ["--entries", str(args.profile_entries),
                                                   "--top", str(args.top)], tmp)
    after = git_state()
    if after != facts["code measured"]:  # someone committed or edited kb/ or plugins/ mid-run
        facts["code measured"] += f" at the start; {after} at the end (numbers may mix versions)"
        print(f"warning: the code changed during the run ({facts['code measured']})", file=sys.stderr)
    write_results(args.out, facts, started, time.perf_counter() - t0, kbs, validate, build, profile, args.top)
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
