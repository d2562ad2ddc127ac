"""Where the time of a full site build goes: one in-process build under cProfile.

    python bench/profile_build.py [--entries 1000] [--top 25] [--json PATH]

Runs mkdocs.commands.build.build(load_config(<generated kb>/mkdocs.yml)) and prints the top
functions by cumulative and by own (total) time, then own time grouped by package, and the
functions of this project (kb/, plugins/) with their share of the build. Times under cProfile
are inflated (roughly 1.5-2x for Python-heavy code); read the shares, not the seconds.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from common import REPO, fmt_s, markdown_table, prepare_kb

# (label, path fragment); the first that matches a function's file wins
GROUPS = [
    ("DefectKB kb/", f"{REPO}/kb/"),
    ("DefectKB plugins/", f"{REPO}/plugins/"),
    ("mkdocs-material", "/material/"),
    ("mkdocs", "/mkdocs/"),
    ("Markdown", "/markdown/"),
    ("pymdown-extensions", "/pymdownx/"),
    ("Pygments", "/pygments/"),
    ("Jinja2 / MarkupSafe", "/jinja2/"),
    ("Jinja2 / MarkupSafe", "/markupsafe/"),
    ("jieba", "/jieba/"),
    ("PyYAML", "/yaml/"),
    ("pydantic", "/pydantic"),
    ("nh3", "/nh3/"),
    ("Babel", "/babel/"),
    ("subprocess (Pagefind etc.)", "/subprocess.py"),
    ("regular expressions", "/re/"),
    ("html / xml (stdlib)", "/html/"),
    ("html / xml (stdlib)", "/xml/"),
]


def group_of(filename: str, funcname: str) -> str | None:
    """The package a function belongs to; None for C functions, which are billed to their callers."""
    if filename == "~":
        if "re.Pattern" in funcname or "_sre" in funcname:
            return "regular expressions"
        if "select.poll" in funcname or "waitpid" in funcname:
            return "waiting for child processes (Pagefind)"
        if "nh3" in funcname:
            return "nh3"
        return None
    if filename.endswith(".html"):  # compiled Jinja templates carry the template's file name
        return "Jinja2 templates (rendering)"
    for label, fragment in GROUPS:
        if fragment in filename:
            return label
    if "/lib/python3" in filename and "site-packages" not in filename:
        return "Python stdlib (other)"
    return "other"


def short(func: tuple[str, int, str]) -> str:
    filename, line, name = func
    if filename == "~":
        return name
    path = Path(filename)
    try:
        shown = path.relative_to(REPO).as_posix()
    except ValueError:
        parts = path.parts
        shown = "/".join(parts[parts.index("site-packages") + 1 :]) if "site-packages" in parts else path.name
    return f"{shown}:{line}({name})"


def run_profile(folder: Path) -> tuple[pstats.Stats, float]:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site = folder / "site-profile"
    if site.exists():
        shutil.rmtree(site)
    logging.getLogger("mkdocs").setLevel(logging.WARNING)
    cwd = Path.cwd()
    os.chdir(folder)  # as the subprocess builds do: paths in mkdocs.yml are relative to it
    try:
        config = load_config(config_file=str(folder / "mkdocs.yml"), site_dir=str(site))
        prof = cProfile.Profile()
        t0 = time.perf_counter()
        prof.enable()
        build(config)
        prof.disable()
        took = time.perf_counter() - t0
    finally:
        os.chdir(cwd)
        shutil.rmtree(site, ignore_errors=True)
    return pstats.Stats(prof), took


def summarise(stats: pstats.Stats, took: float, top: int) -> dict[str, Any]:
    raw: dict[tuple[str, int, str], tuple[int, int, float, float, Any]] = stats.stats  # type: ignore[attr-defined]
    total = sum(tt for _, _, tt, _, _ in raw.values())

    def row(func: tuple[str, int, str], v: tuple[int, int, float, float, Any]) -> dict[str, Any]:
        _, nc, tt, ct, _ = v
        return {"function": short(func), "calls": nc, "tottime": tt, "cumtime": ct,
                "tottime_share": tt / total, "cumtime_share": ct / total}

    by_cum = sorted(raw.items(), key=lambda kv: kv[1][3], reverse=True)[:top]
    by_tot = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    groups: dict[str, float] = {}
    for func, v in raw.items():
        label = group_of(func[0], func[2])
        if label is not None:
            groups[label] = groups.get(label, 0.0) + v[2]
            continue
        # A builtin such as str.join or isinstance: bill its time to the packages that called it.
        callers = v[4] or {}
        for caller, cv in callers.items():
            who = group_of(caller[0], caller[2]) or "builtins (called from C)"
            groups[who] = groups.get(who, 0.0) + cv[2]
        if not callers:
            groups["builtins (called from C)"] = groups.get("builtins (called from C)", 0.0) + v[2]
    ours = [(f, v) for f, v in raw.items() if f[0].startswith((f"{REPO}/kb/", f"{REPO}/plugins/"))]
    ours_cum = sorted(ours, key=lambda kv: kv[1][3], reverse=True)[:top]
    return {
        "wall_seconds_profiled": took,
        "profiled_seconds": total,
        "by_cumulative": [row(f, v) for f, v in by_cum],
        "by_total": [row(f, v) for f, v in by_tot],
        "groups": sorted(([k, v, v / total] for k, v in groups.items()), key=lambda x: x[1], reverse=True),
        "ours_by_cumulative": [row(f, v) for f, v in ours_cum],
    }


def to_markdown(s: dict[str, Any], top: int) -> str:
    def table(rows: list[dict[str, Any]], n: int) -> str:
        return markdown_table(
            ["function", "calls", "own time", "own %", "cumulative", "cum %"],
            [[f"`{r['function']}`", f"{r['calls']:,}", f"{r['tottime']:.2f} s", f"{100 * r['tottime_share']:.1f}%",
              f"{r['cumtime']:.2f} s", f"{100 * r['cumtime_share']:.1f}%"] for r in rows[:n]])

    parts = [
        f"One full build of {s['entries']:,} entries in-process under cProfile: {fmt_s(s['wall_seconds_profiled'])} "
        "wall (profiling inflates Python-heavy code; use the shares).",
        "", "Own time by package (time in builtins such as `str.join` is billed to the package calling them):", "",
        markdown_table(["package", "own time", "share"],
                       [[k, f"{v:.2f} s", f"{100 * share:.1f}%"] for k, v, share in s["groups"] if share >= 0.001]),
        "", f"Top {top} by cumulative time:", "", table(s["by_cumulative"], top),
        "", f"Top {top} by own (total) time:", "", table(s["by_total"], top),
        "", "This project's functions (kb/, plugins/) by cumulative time:", "", table(s["ours_by_cumulative"], 15),
    ]
    return "\n".join(parts)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--top", type=int, default=25)
    ap.add_argument("--json", type=Path, help="write the summary here")
    args = ap.parse_args(argv)
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    folder = prepare_kb(args.entries, args.seed)
    stats, took = run_profile(folder)
    for key in ("cumulative", "tottime"):
        buf = io.StringIO()
        stats.stream = buf  # type: ignore[attr-defined]
        print(f"\n=== top {args.top} by {key} ===")
        stats.sort_stats(key).print_stats(args.top)
        print(buf.getvalue())
    summary = summarise(stats, took, args.top)
    summary["entries"] = args.entries
    print(to_markdown(summary, args.top))
    if args.json:
        args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
