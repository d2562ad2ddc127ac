"""The site build at scale, as a ratio against a bare mkdocs-material build of the same Markdown.

    python bench/bench_build.py --entries 1000 10000 [--timeout 1800] [--json PATH]

For each size, side by side (interleaved), as `python -m mkdocs build -q` subprocesses:
  (a) bare: theme material, docs_dir the generated content, plugins only `search`, a nav with one
      page (entries stay out of the nav); the theme language and the Markdown extensions are the
      project's, so both sides render the same Markdown the same way;
  (b) full: the project's mkdocs.yml (defectkb plugin, its search index, tags, generated pages);
  (c) full without the search index: (b) with the defectkb option `search: none`, which separates
      the Pagefind indexer (a child process of the build) from the build itself.
Every build starts without the validation cache (`.kb_cache`), as in CI on a fresh clone.
Wall time is the best of 2 runs up to 2,000 entries and one run above. Peak memory is that of the
whole process tree (the build and the search indexer it starts, summed: /proc sampled every 50 ms),
next to the largest single process (ru_maxrss from os.wait4); CPU time is the tree's user + system.
Also recorded: one entry page's HTML, the search index, the largest page overall and per section.

    python bench/bench_build.py --entries 100000 --sides bare --json out/build-100k.json --append

`--sides` runs only some builds; `--append` merges into an existing --json file, so the long
100,000-entry builds can run one at a time.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import shutil
import sys
from pathlib import Path
from typing import Any

import yaml
from common import REPO, fmt_bytes, fmt_s, markdown_table, prepare_kb, run_child


def bare_config(folder: Path) -> Path:
    """A minimal mkdocs.yml over the same content: what mkdocs-material costs by itself."""
    project = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    theme = project.get("theme") or {}
    search = next((p["search"] for p in project.get("plugins", []) if isinstance(p, dict) and "search" in p), None)
    first = sorted((folder / "content" / "defects").glob("*.md"))[0]
    config = {
        "site_name": "bare",
        "docs_dir": "content",
        "theme": {"name": "material", "language": theme.get("language", "en"), "font": False},
        # same search languages as the project, so both sides pay for the same segmentation
        "plugins": [{"search": search} if search else "search"],
        "nav": [{"Home": first.relative_to(folder / "content").as_posix()}],
        "validation": {"nav": {"omitted_files": "ignore"}},
        "markdown_extensions": project.get("markdown_extensions", []),
    }
    path = folder / "mkdocs.bare.yml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def nosearch_config(folder: Path) -> Path:
    """The project's configuration with the defectkb plugin told to skip its search index."""
    project = yaml.safe_load((folder / "mkdocs.yml").read_text(encoding="utf-8"))
    plugins = []
    for p in project.get("plugins", []):
        if p == "defectkb":
            p = {"defectkb": {"search": "none"}}
        elif isinstance(p, dict) and "defectkb" in p:
            p = {"defectkb": {**(p["defectkb"] or {}), "search": "none"}}
        plugins.append(p)
    project["plugins"] = plugins
    path = folder / "mkdocs.nosearch.yml"
    path.write_text(yaml.safe_dump(project, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def site_facts(site: Path, entry_rel: str) -> dict[str, Any]:
    html = [(p.stat().st_size, p) for p in site.rglob("*.html")]
    largest = max(html, key=lambda x: x[0]) if html else (0, site)
    by_section: dict[str, list[Any]] = {}
    for size, p in html:
        rel = p.relative_to(site)
        section = rel.parts[0] if len(rel.parts) > 1 else "/"
        if section == "insights" and len(rel.parts) > 3:  # insights/products/<key>/, insights/departments/…
            section = f"insights/{rel.parts[1]}"
        if size > by_section.get(section, [0])[0]:
            by_section[section] = [size, rel.as_posix()]
    entry = site / entry_rel / "index.html"
    # MkDocs' search plugin writes search/search_index.json; Pagefind writes a chunked pagefind/
    search = sorted(site.glob("search/*.json"))
    if (site / "pagefind").is_dir():
        search += sorted(p for p in (site / "pagefind").rglob("*") if p.is_file())
    sizes = [p.stat().st_size for p in search]
    return {
        "html_pages": len(html),
        "html_bytes": sum(s for s, _ in html),
        "site_bytes": sum(p.stat().st_size for p in site.rglob("*") if p.is_file()),
        "entry_page": entry_rel,
        "entry_page_bytes": entry.stat().st_size if entry.is_file() else None,
        "search_kind": "pagefind" if (site / "pagefind").is_dir() else ("lunr" if search else "none"),
        "search_files": len(search),
        "search_bytes": sum(sizes),
        "search_largest_file_bytes": max(sizes, default=0),
        "largest_page": largest[1].relative_to(site).as_posix() if html else None,
        "largest_page_bytes": largest[0],
        "largest_by_section": dict(sorted(by_section.items())),
    }


def build(folder: Path, config: Path, site: Path, timeout: float | None, optional: bool = False) -> dict[str, Any]:
    if site.exists():
        shutil.rmtree(site)  # outside the timing: a clean build each time
    # and a cold one, as in CI on a fresh clone: no validation cache from an earlier run
    shutil.rmtree(folder / ".kb_cache", ignore_errors=True)
    cmd = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(site)]
    run = run_child(cmd, folder, timeout)
    facts = {"seconds": run.seconds, "cpu_seconds": run.cpu_seconds, "max_rss_kib": run.max_rss_kib,
             "tree_rss_kib": run.tree_rss_kib, "peak_parts": run.peak_parts,
             "load": " ".join(f"{x:.1f}" for x in os.getloadavg())}
    if run.returncode == -9:
        return {**facts, "timed_out": True}
    if run.returncode != 0 and optional:  # e.g. a plugin version without the `search` option
        return {**facts, "timed_out": False, "failed": True, "log": (run.stdout + run.stderr).strip()[-2000:]}
    if run.returncode != 0:
        raise SystemExit(f"error: `{' '.join(cmd)}` in {folder} exited {run.returncode}:\n"
                         f"{run.stdout[-3000:]}{run.stderr[-3000:]}")
    return {**facts, "timed_out": False, "log": (run.stdout + run.stderr).strip()[-2000:]}


def measure(entries: int, seed: int, timeout: float | None, runs: int | None, sides: list[str]) -> dict[str, Any]:
    folder = prepare_kb(entries, seed, recheck=False)  # the build validates by itself
    first = sorted((folder / "content" / "defects").glob("*.md"))[0]
    entry_rel = first.relative_to(folder / "content").with_suffix("").as_posix()
    makers = {"bare": lambda: bare_config(folder), "full": lambda: folder / "mkdocs.yml",
              "nosearch": lambda: nosearch_config(folder)}
    configs = {side: makers[side]() for side in sides}
    n_runs = runs or (2 if entries <= 2000 else 1)
    result: dict[str, Any] = {"entries": entries, "runs": n_runs, "folder": str(folder)}
    for side in configs:
        result[side] = {"runs": []}
    for i in range(n_runs):
        for side, config in configs.items():
            r = build(folder, config, folder / f"site-{side}", timeout, optional=side == "nosearch")
            result[side]["runs"].append(r)
            state = "TIMED OUT" if r["timed_out"] else ("FAILED" if r.get("failed") else "ok")
            print(f"  {entries} entries, {side} build, run {i + 1}: {fmt_s(r['seconds'])} "
                  f"(CPU {fmt_s(r['cpu_seconds'])}, load {r['load']}), peak memory {r['tree_rss_kib'] / 1024:.0f} MiB "
                  f"(largest process {r['max_rss_kib'] / 1024:.0f} MiB) ({state})", flush=True)
    for side in configs:
        done = [r for r in result[side]["runs"] if not r["timed_out"] and not r.get("failed")]
        result[side]["timed_out"] = not done
        pool = done or result[side]["runs"]
        result[side]["seconds"] = min(r["seconds"] for r in pool)
        result[side]["cpu_seconds"] = min(r.get("cpu_seconds", 0) for r in pool)
        result[side]["max_rss_kib"] = max(r["max_rss_kib"] for r in pool)
        result[side]["tree_rss_kib"] = max(r.get("tree_rss_kib", r["max_rss_kib"]) for r in pool)
        if done:
            result[side].update(site_facts(folder / f"site-{side}", entry_rel))
    return result


def search_cell(s: dict[str, Any]) -> str:
    if not s.get("search_bytes"):
        return "—"
    if s["search_files"] == 1:
        return f"{fmt_bytes(s['search_bytes'])} ({s['search_kind']}, 1 file)"
    return (f"{fmt_bytes(s['search_bytes'])} ({s['search_kind']}, {s['search_files']} files, "
            f"largest {fmt_bytes(s['search_largest_file_bytes'])})")


def ratio(a: float | None, b: float | None) -> str:
    return f"{a / b:.1f}×" if a and b else "—"


SIDES = [("bare", "(a) bare mkdocs-material"), ("full", "(b) full DefectKB build"),
         ("nosearch", "(c) full, no search index")]


def usable(s: dict[str, Any] | None) -> bool:
    return bool(s) and not s.get("timed_out") and not any(r.get("failed") for r in s.get("runs", []))


def mem(s: dict[str, Any]) -> float:
    return s.get("tree_rss_kib") or s["max_rss_kib"]


def _mib(kib: float) -> str:
    return f"{kib / 1024 / 1024:.2f} GiB" if kib >= 1024 * 1024 else f"{kib / 1024:.0f} MiB"


def to_markdown(results: list[dict[str, Any]]) -> str:
    rows = []
    for r in results:
        for side, label in SIDES:
            s = r.get(side)
            if not s:
                continue
            if any(run.get("failed") for run in s["runs"]):
                rows.append([f"{r['entries']:,}", label, "failed", *["—"] * 8])
                continue
            time_s = fmt_s(s["seconds"]) + (" (timed out)" if s.get("timed_out") else "")
            rows.append([
                f"{r['entries']:,}", label, time_s, fmt_s(s["cpu_seconds"]) if s.get("cpu_seconds") else "—",
                _mib(mem(s)), _mib(s["max_rss_kib"]),
                str(s.get("html_pages", "—")), fmt_bytes(s["entry_page_bytes"]) if s.get("entry_page_bytes") else "—",
                search_cell(s),
                (f"{fmt_bytes(s['largest_page_bytes'])} `{s['largest_page']}`" if s.get("largest_page") else "—"),
                fmt_bytes(s["site_bytes"]) if s.get("site_bytes") else "—",
            ])
    table = markdown_table(["entries", "build", "wall time", "CPU time", "peak memory (tree)", "largest process",
                            "HTML pages", "one entry page", "search index", "largest page", "site total"], rows)
    ratios = []
    for r in results:
        bare, full, nos = r.get("bare"), r.get("full"), r.get("nosearch")
        if not (usable(bare) and usable(full)):
            continue
        ratios.append([
            f"{r['entries']:,}", ratio(full["seconds"], bare["seconds"]),  # type: ignore[index]
            ratio(full.get("cpu_seconds"), bare.get("cpu_seconds")),  # type: ignore[union-attr]
            ratio(nos["seconds"], bare["seconds"]) if usable(nos) else "—",  # type: ignore[index]
            ratio(mem(full), mem(bare)),  # type: ignore[arg-type]
            ratio(mem(nos), mem(bare)) if usable(nos) else "—",  # type: ignore[arg-type]
            ratio(full.get("search_bytes"), bare.get("search_bytes")),  # type: ignore[union-attr]
            ratio(full.get("entry_page_bytes"), bare.get("entry_page_bytes")),  # type: ignore[union-attr]
        ])
    lines = [table, "", markdown_table(["entries", "time full/bare", "CPU full/bare", "time (c)/bare",
                                        "peak memory full/bare", "peak memory (c)/bare", "search index full/bare",
                                        "entry page full/bare"], ratios)]
    for lo, hi in itertools.pairwise(results):
        scale = hi["entries"] / lo["entries"]
        growth = []
        for side, label in SIDES:
            if not (usable(lo.get(side)) and usable(hi.get(side))):
                continue
            a, b = lo[side], hi[side]
            t = b["seconds"] / a["seconds"]
            cpu = ratio(b.get("cpu_seconds"), a.get("cpu_seconds"))
            growth.append([label, f"{t:.1f}×", f"{t / scale:.2f}", cpu, ratio(mem(b), mem(a)),
                           ratio(b.get("search_bytes"), a.get("search_bytes")),
                           ratio(b.get("largest_page_bytes"), a.get("largest_page_bytes"))])
        if growth:
            lines += ["", f"Growth {lo['entries']:,} → {hi['entries']:,} entries ({scale:.0f}× the entries; "
                      "time per entry 1.00 = linear):", "",
                      markdown_table(["build", "wall time", "time per entry", "CPU time", "peak memory",
                                      "search index", "largest page"], growth)]
    sections = sorted({k for r in results for k in (r.get("full") or {}).get("largest_by_section", {})})
    if sections:
        head = ["section", *(f"{r['entries']:,}" for r in results if r.get("full", {}).get("largest_by_section"))]
        body = []
        for sec in sections:
            row = [f"`{sec}/`" if sec != "/" else "`/` (top level)"]
            for r in results:
                got = r.get("full", {}).get("largest_by_section")
                if got is None:
                    continue
                size, path = got.get(sec, [0, ""])
                row.append(f"{fmt_bytes(size)} `{path}`" if size else "—")
            body.append(row)
        lines += ["", "Heaviest page per section of the full build:", "", markdown_table(head, body)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--runs", type=int, help="runs per build (default: 2 up to 2,000 entries, else 1)")
    ap.add_argument("--timeout", type=float, default=None, help="give up on one build after this many seconds")
    ap.add_argument("--sides", nargs="+", choices=[s for s, _ in SIDES], default=[s for s, _ in SIDES],
                    help="which builds to run (default: all three)")
    ap.add_argument("--no-variant", action="store_true", help="skip (c), the full build without search index")
    ap.add_argument("--keep-site", action="store_true", help="keep the built sites in bench/out/kb-N/site-*")
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument("--append", action="store_true", help="merge into the results already in --json")
    ap.add_argument("--report", type=Path, nargs="+", metavar="JSON",
                    help="build nothing: print the tables of these result files, merged by size")
    args = ap.parse_args(argv)
    if args.report:
        merged: dict[int, dict[str, Any]] = {}
        for path in args.report:
            for r in json.loads(path.read_text(encoding="utf-8")):
                merged.setdefault(r["entries"], {}).update(r)
        print(to_markdown([merged[n] for n in sorted(merged)]))
        return 0
    sides = [s for s in args.sides if not (args.no_variant and s == "nosearch")]
    results: list[dict[str, Any]] = []
    if args.append and args.json and args.json.is_file():
        results = json.loads(args.json.read_text(encoding="utf-8"))
    for n in sorted(args.entries):
        got = measure(n, args.seed, args.timeout, args.runs, sides)
        old = next((r for r in results if r["entries"] == n), None)
        if old is None:
            results.append(got)
        else:
            old.update({k: v for k, v in got.items() if k in sides or k not in old})
        results.sort(key=lambda r: r["entries"])
        if not args.keep_site:
            for side in sides:
                shutil.rmtree(Path(got["folder"]) / f"site-{side}", ignore_errors=True)
        if args.json:  # after every size, so a long run leaves partial results behind
            args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print()
    print(to_markdown(results))
    if args.json:
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")
    sys.exit(main())
