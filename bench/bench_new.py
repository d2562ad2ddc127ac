"""`kb new` at scale (similar-entry search included), as a ratio against a bare parse of every entry.

    python bench/bench_new.py --entries 10000 [--repeat 3] [--json PATH]

Measured, best of --repeat, interleaved:
  (a) baseline: read each .md, split the front matter, yaml.load(fm, Loader=yaml.CSafeLoader)
      (bench_validate.bare_parse), in-process;
  (b) the work of `kb new` in-process: the light catalogue (ids, titles, products, tags, body
      starts) and one similar-entry query, jieba's dictionary already loaded;
  (c) `kb new defect --title ... --no-input --stdout` as a subprocess: interpreter start,
      imports, jieba's dictionary load, catalogue, query, template;
  (d) the baseline as a subprocess (interpreter start, PyYAML import, the parse), for (c).
The query is a generated entry's Chinese title with one word changed, so it has a near twin.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from bench_validate import bare_parse, entry_files
from common import REPO, fmt_s, kb_command, markdown_table, prepare_kb, run_child, timed
from defectkb.authoring.catalog import read_catalog
from defectkb.authoring.similar import grams, has_cjk, words
from defectkb.config import Config

BARE_CHILD = (
    "import sys; sys.path.insert(0, {bench!r}); from bench_validate import bare_parse, entry_files; "
    "from pathlib import Path; print(bare_parse(entry_files(Path('content'))))"
)


def query_title(content: Path) -> tuple[str, str]:
    """A Chinese title from the generated entries, changed slightly, and the id it came from."""
    cat = read_catalog(content, Config())
    doc = next(d for d in cat.index.docs if d.kind == "defect" and has_cjk(d.title))
    return doc.title.replace("时", "之后", 1) + "（复现）", doc.id


def kb_new_inprocess(content: Path, title: str) -> tuple[int, list[str]]:
    cat = read_catalog(content, Config(), frozenset(grams(title)))  # as `kb new` reads it
    found = cat.index.similar(title)
    return len(cat.ids), [m.doc.id for m in found]


def measure(entries: int, repeat: int) -> dict[str, Any]:
    folder = prepare_kb(entries)
    content = folder / "content"
    files = entry_files(content)
    title, twin = query_title(content)
    words(title)  # jieba's dictionary loaded once, outside (b); (c) pays for it
    bare_parse(files)  # warm the page cache
    base: list[float] = []
    new: list[float] = []
    found: list[str] = []
    for i in range(repeat):
        (t, _), parsed = timed(bare_parse, files)
        base.append(t)
        (t, _), (ids, found) = timed(kb_new_inprocess, content, title)
        new.append(t)
        if parsed != len(files) or ids < len(files):
            raise SystemExit(f"error: parsed {parsed}, catalogued {ids} ids of {len(files)} files")
        print(f"  run {i + 1}: baseline {base[-1]:.3f} s, kb new work {new[-1]:.3f} s", flush=True)
    cli_runs, bare_runs = [], []
    for _ in range(repeat):
        cli = run_child([*kb_command(), "new", "defect", "--title", title, "--no-input", "--stdout"], folder)
        if cli.returncode != 0 or "Similar entries" not in cli.stderr:
            raise SystemExit(f"error: `kb new` exited {cli.returncode}:\n{cli.stderr[-2000:]}")
        cli_runs.append(cli)
        bare = run_child([sys.executable, "-c", BARE_CHILD.format(bench=str(REPO / "bench"))], content.parent)
        if bare.returncode != 0:
            raise SystemExit(f"error: the baseline child failed:\n{bare.stderr[-2000:]}")
        bare_runs.append(bare)
    best_cli = min(cli_runs, key=lambda r: r.seconds)
    best_bare = min(bare_runs, key=lambda r: r.seconds)
    return {
        "entries": entries, "files": len(files), "repeat": repeat, "title": title, "twin": twin,
        "found": found, "twin_first": bool(found) and found[0] == twin,
        "baseline": min(base), "new": min(new), "ratio": min(new) / min(base),
        "cli": best_cli.seconds, "cli_max_rss_kib": best_cli.max_rss_kib, "bare_cli": best_bare.seconds,
        "cli_ratio": best_cli.seconds / best_bare.seconds,
    }


def to_markdown(results: list[dict[str, Any]]) -> str:
    rows = []
    for r in results:
        rows.append([f"{r['entries']:,}", fmt_s(r["baseline"]), fmt_s(r["new"]), f"**{r['ratio']:.2f}×**",
                     fmt_s(r["bare_cli"]), fmt_s(r["cli"]), f"**{r['cli_ratio']:.2f}×**",
                     f"{r['cli_max_rss_kib'] / 1024:.0f} MiB", "yes" if r["twin_first"] else "no"])
    return markdown_table(["entries", "(a) bare parse", "(b) kb new work", "(b)/(a)", "(d) bare parse, process",
                           "(c) `kb new` process", "(c)/(d)", "(c) peak RSS", "near twin listed first"], rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, nargs="+", default=[10000])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    results = []
    for n in args.entries:
        r = measure(n, args.repeat)
        results.append(r)
        print(f"entries {n}: kb new work {fmt_s(r['new'])} = {r['ratio']:.2f}x a bare parse; "
              f"CLI {fmt_s(r['cli'])} = {r['cli_ratio']:.2f}x; query {r['title']!r}, similar: {r['found']}")
    print()
    print(to_markdown(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
