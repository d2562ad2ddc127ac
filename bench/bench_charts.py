"""What the insights cost: chart rendering (Vega-Lite → SVG) and figures, as a share of the build.

    python bench/bench_charts.py --entries 10000 [--json PATH]

One full `mkdocs build` of the generated knowledge base (the project's mkdocs.yml with a
`site_url`, so feeds are written too, and `search: none`, so the Pagefind indexer does not
inflate the denominator) runs in a child process; inside it the build is timed as a whole,
and so are the chart renders (vl-convert) and the figure computations (kb/insights). Charts
render in a worker process while MkDocs renders the entry pages, so two shares are reported:
the render time (CPU in the worker) and the time the build itself waited for charts. The
target: charts ≤ 10% of the build at 10,000 entries.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import yaml
from common import fmt_s, markdown_table, prepare_kb, run_child


def child(folder: Path) -> None:
    """Runs inside the measured process: build once, print the timings as JSON."""
    from defectkb import charts
    from defectkb.insights import digests, figures, reading
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    spent = {"figures": 0.0}

    def timed(fn):
        def run(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent["figures"] += time.perf_counter() - t0
        return run

    # the site context imported these names; patch where they are looked up
    from defectkb.site import context

    context.compute = timed(figures.compute)
    context.build_digests = timed(digests.build)
    context.reading_lists = timed(reading.reading_lists)

    project = yaml.safe_load((folder / "mkdocs.yml").read_text(encoding="utf-8"))
    plugins = []
    for p in project.get("plugins", []):
        if p == "defectkb" or (isinstance(p, dict) and "defectkb" in p):
            opts = (p.get("defectkb") or {}) if isinstance(p, dict) else {}
            p = {"defectkb": {**opts, "search": "none"}}
        plugins.append(p)
    project.update(plugins=plugins, site_url="https://kb.example.org/")
    config_path = folder / "mkdocs.charts.yml"
    config_path.write_text(yaml.safe_dump(project, allow_unicode=True, sort_keys=False), encoding="utf-8")
    config = load_config(str(config_path), site_dir=str(folder / "site-charts"))
    t0 = time.perf_counter()
    build(config)
    total = time.perf_counter() - t0
    site = folder / "site-charts"
    svgs = sum(p.read_text(encoding="utf-8").count('<figure class="kb-figure"')
               for d in ("insights", "people", "digests") for p in (site / d).rglob("index.html"))
    svgs += (site / "index.html").read_text(encoding="utf-8").count('<figure class="kb-figure"')
    print(json.dumps({"build_s": total, "chart_s": charts.stats["seconds"], "waited_s": charts.stats["waited"],
                      "rendered": charts.stats["rendered"],
                      "cached": charts.stats["cached"], "figures_s": spent["figures"], "figures_on_pages": svgs,
                      "digest_pages": sum(1 for _ in (site / "digests").glob("*/index.html")),
                      "insight_pages": sum(1 for _ in (site / "insights").rglob("index.html")),
                      "stats_json_bytes": (site / "api" / "stats.json").stat().st_size}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, nargs="+", default=[10000])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    results = []
    for n in args.entries:
        folder = prepare_kb(n)
        run = run_child([sys.executable, str(Path(__file__).resolve()), "--child", str(folder)], folder)
        if run.returncode != 0:
            print(run.stderr[-3000:], file=sys.stderr)
            return 1
        data = json.loads(run.stdout.strip().splitlines()[-1])
        data.update(entries=n, max_rss_kib=run.max_rss_kib)
        results.append(data)
    rows = [[f"{r['entries']:,}", fmt_s(r["build_s"]), f"{r['rendered']:,} ({r['cached']:,} cached)",
             fmt_s(r["chart_s"]), f"{100 * r['chart_s'] / r['build_s']:.1f}%",
             f"{fmt_s(r['waited_s'])} (**{100 * r['waited_s'] / r['build_s']:.1f}%**)",
             fmt_s(r["figures_s"]), f"{100 * r['figures_s'] / r['build_s']:.1f}%",
             f"{r['insight_pages']} / {r['digest_pages']}"] for r in results]
    print(markdown_table(["entries", "build (no search index)", "charts rendered", "render time (worker)",
                          "render / build", "build waited for charts", "figures time", "figures / build",
                          "insight / digest pages"], rows))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
