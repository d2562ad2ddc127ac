"""`kb validate --changed-since` with one changed entry in a large git repository, as a ratio
against the cheapest possible reading of the whole knowledge base.

    python bench/bench_changed.py --entries 10000 [--repeat 3] [--json PATH]

The generated knowledge base (bench/generate.py) is copied into bench/out/git-<entries>/, committed
on `main`, and a branch `change` edits one entry. Measured in one process, interleaved, best of
--repeat, with the current directory in that repository:
  (a) baseline: read each .md, split the front matter, yaml.load(fm, Loader=yaml.CSafeLoader);
  (b) `kb validate --changed-since main` in-process (git calls included: merge-base, one diff,
      one ls-files, one ls-tree of main for the ids; then the whole knowledge base is loaded);
  (c) `kb validate` of everything in-process, for reference.
The CLI (a subprocess) is timed once, and the git calls alone once.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench_validate import bare_parse, entry_files, kb_load, timed
from common import OUT, REPO, fmt_bytes, fmt_s, kb_command, markdown_table, prepare_kb, run_child
from defectkb.vcs.changes import change_since
from defectkb.vcs.collisions import ids_on
from defectkb.vcs.git import open_repo, resolve_commit
from defectkb.vcs.review import review_change

CHANGED = "content/defects"  # the first defect in this folder gets a one-line edit


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout


def prepare_repo(entries: int, seed: int) -> tuple[Path, str]:
    """The generated knowledge base in its own repository, on branch `change` with one edit."""
    source = prepare_kb(entries, seed)
    repo = OUT / f"git-{entries}" if seed == 1 else OUT / f"git-{entries}-s{seed}"
    stamp = (source / ".defectkb-bench.json").read_text(encoding="utf-8")
    mark = repo / ".git" / "defectkb-bench-source.json"
    if not (mark.is_file() and mark.read_text(encoding="utf-8") == stamp):
        if repo.exists():
            shutil.rmtree(repo)
        repo.mkdir(parents=True)
        shutil.copytree(source / "content", repo / "content")
        git(repo, "init", "-q", "-b", "main")
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "generated knowledge base")
        mark.write_text(stamp, encoding="utf-8")
    git(repo, "switch", "-q", "-f", "-C", "change", "main")
    changed = sorted((repo / CHANGED).glob("*.md"))[0]
    text = changed.read_text(encoding="utf-8")
    changed.write_text(text + "\nOne more line from the pull request.\n", encoding="utf-8")
    git(repo, "commit", "-q", "-am", "edit one entry")
    return repo, changed.relative_to(repo).as_posix()


def measure(entries: int, seed: int, repeat: int) -> dict[str, Any]:
    repo, changed = prepare_repo(entries, seed)
    content = repo / "content"
    files = entry_files(content)
    here = Path.cwd()
    os.chdir(repo)  # display paths as in CI: relative to the repository
    try:
        bare_parse(files)  # warm the page cache
        base_times: list[float] = []
        change_times: list[float] = []
        full_times: list[float] = []
        for i in range(repeat):
            t, parsed = timed(bare_parse, files)
            base_times.append(t)
            t, (report, note) = timed(review_change, [Path("content")], "main")
            change_times.append(t)
            t, (errors, loaded) = timed(kb_load, content)
            full_times.append(t)
            if report.errors or errors:
                raise SystemExit(f"error: validation reported errors in {repo}: {report.diagnostics[:5]}")
            if parsed != len(files) or loaded != len(files) or report.files != 1:
                raise SystemExit(f"error: parsed {parsed}, loaded {loaded}, changed {report.files} "
                                 f"of {len(files)} files")
            print(f"  run {i + 1}: baseline {base_times[-1]:.3f} s, --changed-since {change_times[-1]:.3f} s, "
                  f"full {full_times[-1]:.3f} s", flush=True)
        git_repo = open_repo(content)
        t0 = time.perf_counter()
        change_since(git_repo, "main", ["content"])
        ids_on(git_repo, resolve_commit(git_repo, "main"), "content", ("content/defects/", "content/lessons/"))
        git_seconds = time.perf_counter() - t0
    finally:
        os.chdir(here)
    cli = run_child([*kb_command(), "validate", "--changed-since", "main"], repo)
    if cli.returncode != 0:
        raise SystemExit(f"error: `kb validate --changed-since main` exited {cli.returncode}:\n"
                         f"{cli.stdout[-2000:]}{cli.stderr[-2000:]}")
    return {
        "entries": entries, "files": len(files), "bytes": sum(p.stat().st_size for p in files),
        "changed": changed, "repeat": repeat, "note": note,
        "baseline_runs": base_times, "changed_runs": change_times, "full_runs": full_times,
        "baseline": min(base_times), "changed_since": min(change_times), "full": min(full_times),
        "ratio": min(change_times) / min(base_times), "git": git_seconds,
        "cli": cli.seconds, "cli_max_rss_kib": cli.max_rss_kib,
        "cli_output": cli.stdout.strip().splitlines()[-1],
    }


def to_markdown(r: dict[str, Any]) -> str:
    rows = [
        ["(a) baseline: read + split + `yaml.load(CSafeLoader)` of every entry", fmt_s(r["baseline"]), "1.0×"],
        ["(b) `kb validate --changed-since main`, in-process", fmt_s(r["changed_since"]),
         f"**{r['ratio']:.1f}×**"],
        ["    of which the git calls (merge-base, diff, ls-files, ls-tree)", fmt_s(r["git"]),
         f"{r['git'] / r['baseline']:.2f}×"],
        ["(c) `kb validate` of everything, in-process", fmt_s(r["full"]), f"{r['full'] / r['baseline']:.1f}×"],
        ["`kb validate --changed-since main` CLI, subprocess, 1 run", fmt_s(r["cli"]),
         f"{r['cli'] / r['baseline']:.1f}×"],
    ]
    head = (f"{r['files']:,} entries, {fmt_bytes(r['bytes'])} of Markdown, one commit on `main`; branch `change` "
            f"edits `{r['changed']}`. Best of {r['repeat']} interleaved runs in one process. CLI peak RSS "
            f"{r['cli_max_rss_kib'] / 1024:.0f} MiB; it printed: `{r['cli_output']}`")
    return head + "\n\n" + markdown_table(["what", "time", "vs baseline"], rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    r = measure(args.entries, args.seed, args.repeat)
    print()
    print(to_markdown(r))
    if args.json:
        args.json.write_text(json.dumps(r, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.json.relative_to(REPO) if args.json.is_relative_to(REPO) else args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
