"""Where a preview rebuild's time goes: one dirty build (what `kb serve` runs after a save)
of an N-entry knowledge base under cProfile, after a first build and an edit of one title.

    python bench/profile_preview.py --entries 10000 [--top 30]
    python bench/profile_preview.py --entries 10000 --rounds 4 --parts   # unprofiled, per part
    python bench/profile_preview.py --entries 10000 --rounds 4 --parts --edit severity  # charts change
    python bench/profile_preview.py --entries 10000 --rounds 4 --parts --edit severity --open
        # as with bench_preview.py's three tabs open: the first pass (their pages) and the second apart

`--parts` times every rebuild without the profiler (which inflates Python-heavy work and hides
C-heavy work), per MkDocs event and per group of generated pages. To compare two versions of
the code side by side, run it once per checkout, alternating (the machine's speed drifts):
`PYTHONPATH=<a folder holding a `defectkb` link to the other checkout's kb/, with kb/mkdocs_plugin
linking to its plugins/>` runs the other version with this script.

In-process and without the search index (the preview indexes in the background anyway).
Works on a copy of the generated knowledge base (bench/out/preview-N/).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import logging
import os
import pstats
import sys
import time
from pathlib import Path
from typing import Any

from bench_preview import ensure_kb, newest_defect, next_severity


class _Collections:
    """Time spent in the cyclic garbage collector, per generation (gc.callbacks)."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.seconds = [0.0, 0.0, 0.0]
        self.count = [0, 0, 0]
        self.started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self.started = time.perf_counter()
        else:
            self.seconds[info["generation"]] += time.perf_counter() - self.started
            self.count[info["generation"]] += 1

    def summary(self) -> str:
        return ", ".join(f"gen{g} {self.count[g]}× {self.seconds[g]:.2f} s" for g in range(3))


def _idle(preview_collector: Any) -> str:
    """Wait as a user would between a reload and the next save: until the preview's collection
    of the last build's garbage (`incremental.Collector`) has run."""
    deadline = time.monotonic() + 60
    while preview_collector.timer is not None and time.monotonic() < deadline:
        time.sleep(0.1)
    return f"one collection, {preview_collector.seconds:.2f} s"


class _Parts:
    """Unprofiled wall time per part of a rebuild: the plugin's events, the page groups, MkDocs' steps."""

    def __init__(self) -> None:
        from collections import defaultdict

        self.seconds: dict[str, float] = defaultdict(float)

    def wrap(self, owner: Any, name: str, label: str, *, generator: bool = False) -> None:
        import functools

        real = getattr(owner, name)

        @functools.wraps(real)
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return list(real(*args, **kwargs)) if generator else real(*args, **kwargs)
            finally:
                self.seconds[label] += time.perf_counter() - t0

        setattr(owner, name, timed)

    def install(self) -> None:
        from defectkb.mkdocs_plugin import incremental, kb_plugin
        from defectkb.site import pages
        from mkdocs.commands import build

        for name in ("home", "index_page"):
            self.wrap(pages, name, f"pages:{name}")
        for name in ("product_pages", "tag_pages", "people_pages", "insight_pages", "digest_pages"):
            self.wrap(pages, name, f"pages:{name}", generator=True)
        if hasattr(kb_plugin, "data_groups"):
            self.wrap(kb_plugin, "data_groups", "data files", generator=True)
        else:  # the code before the groups (to compare side by side)
            self.wrap(kb_plugin, "data_files", "data files")
        self.wrap(kb_plugin, "load", "load and rules")
        self.wrap(incremental.PreviewState, "plan", "plan")
        for event in ("on_config", "on_files", "on_env", "on_post_build", "on_page_content", "on_post_page"):
            self.wrap(kb_plugin.DefectKBPlugin, event, f"event:{event}")
        for name in ("get_files", "get_navigation", "_populate_page", "_build_page", "_build_theme_template"):
            self.wrap(build, name, f"mkdocs:{name}")
        from mkdocs.structure.files import Files
        from mkdocs.theme import Theme

        for owner, name in ((Files, "add_files_from_theme"), (Files, "copy_static_files"), (Theme, "get_env")):
            self.wrap(owner, name, f"mkdocs:{name}")

    def summary(self, total: float) -> str:
        parts = sorted(self.seconds.items(), key=lambda kv: -kv[1])
        mkdocs = total - self.seconds["event:on_config"] - self.seconds["event:on_files"]
        return (f"MkDocs and the rest {mkdocs:.2f}; "
                + ", ".join(f"{k} {v:.2f}" for k, v in parts if v >= 0.01))


def _open_tabs(pages: list[str]) -> Any:
    """The preview's record of open tabs (plugins/reloads.py) on a server that is never started,
    with `pages` open as if their tabs had just asked for reloads."""
    from defectkb.mkdocs_plugin import reloads
    from mkdocs.livereload import LiveReloadServer

    server = LiveReloadServer(builder=lambda: None, host="127.0.0.1", port=0, root=".")
    server.server_close()
    tabs = reloads.install(server)
    for page in pages:
        tabs.seen[page] = float("inf")  # asked "now", whenever the build looks
    return tabs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--entries", type=int, default=10000)
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=2, help="timed dirty rebuilds")
    ap.add_argument("--profile-round", type=int, default=0,
                    help="which rebuild to profile, from 1 (default: the last; the first after the first "
                         "build does more)")
    ap.add_argument("--dump", type=Path, help="also save the profile here (for pstats or snakeviz)")
    ap.add_argument("--parts", action="store_true", help="no profiler: time every rebuild per part")
    ap.add_argument("--edit", choices=["title", "severity"], default="title",
                    help="what each round changes in the newest defect (a severity changes charts)")
    ap.add_argument("--open", action="store_true",
                    help="as with the entry page, the defects index and the PM page open in tabs (bench_preview.py): "
                         "each rebuild is a first pass and a second pass (plugins/reloads.py), timed apart")
    args = ap.parse_args(argv)
    os.environ["NO_MKDOCS_2_WARNING"] = "1"
    logging.getLogger("mkdocs").setLevel(logging.ERROR)
    from defectkb.charts import stats as chart_stats
    from defectkb.mkdocs_plugin import incremental
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    parts = _Parts() if args.parts else None
    if parts is not None:
        parts.install()
    kb_dir = ensure_kb(args.entries)
    os.chdir(kb_dir)
    incremental.enable(serving=True, dirty=True)
    site = kb_dir / "site"

    def config():
        t0 = time.perf_counter()
        cfg = load_config(str(kb_dir / "mkdocs.yml"), site_dir=str(site))
        cfg.plugins["defectkb"].config.search = "none"
        cfg.site_url = "http://127.0.0.1:8000/"  # as `mkdocs serve` sets it: canonical URLs, feeds
        if parts is not None:
            parts.seconds["mkdocs:load_config"] += time.perf_counter() - t0
        return cfg

    t0 = time.perf_counter()
    build(config(), serve_url="http://127.0.0.1:8000/", dirty=True)
    print(f"first build: {time.perf_counter() - t0:.1f} s", flush=True)
    collector = _Collections()
    gc.callbacks.append(collector)
    path, stem, pm = newest_defect(kb_dir)
    tabs = _open_tabs([f"defects/{stem}/", "defects/", f"people/{pm}/"]) if args.open else None
    taken: cProfile.Profile | None = None
    profiled = (args.profile_round or args.rounds) - 1  # the round profiled, from 0
    for n in range(args.rounds):
        settled = _idle(incremental.collector)
        text = path.read_text(encoding="utf-8")
        if args.edit == "title":
            line = next(x for x in text.split("\n") if x.startswith("title: "))
            text = text.replace(line, f"title: preview probe {n} {time.time()}", 1)
        else:
            text = next_severity(text)
        path.write_text(text, encoding="utf-8")
        profile = cProfile.Profile() if n == profiled and parts is None else None
        if parts is not None:
            parts.seconds.clear()
        drawn = dict(chart_stats)
        collector.reset()
        t0, cpu0 = time.perf_counter(), time.process_time()
        if profile:
            profile.enable()
        build(config(), serve_url="http://127.0.0.1:8000/", dirty=True)
        if profile:
            profile.disable()
            taken = profile
        total, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        # CPU time of this process (every thread); the chart worker's is its own, printed below
        print(f"dirty rebuild {n + 1}: {total:.2f} s, CPU {cpu:.2f} s{' (profiled)' if profile else ''}; "
              f"garbage collections: {collector.summary()} (before it, while idle: {settled})", flush=True)
        if parts is not None:
            print(f"  parts: {parts.summary(total)}", flush=True)
            print(f"  charts: {chart_stats['rendered'] - drawn['rendered']} drawn in "
                  f"{chart_stats['seconds'] - drawn['seconds']:.2f} s by the worker; the build waited "
                  f"{chart_stats['waited'] - drawn['waited']:.2f} s for them", flush=True)
        if tabs is not None and tabs.built is not None and tabs.built.later:
            if parts is not None:
                parts.seconds.clear()
            t1 = time.perf_counter()
            tabs.second_pass = True
            build(config(), serve_url="http://127.0.0.1:8000/", dirty=True)
            tabs.second_pass = False
            second = time.perf_counter() - t1
            print(f"  second pass: {second:.2f} s" + (f"; parts: {parts.summary(second)}" if parts else ""))
    if taken is None:
        return 0
    out = io.StringIO()
    if args.dump:
        taken.dump_stats(str(args.dump))
    stats = pstats.Stats(taken, stream=out)
    stats.sort_stats("cumulative").print_stats(args.top)
    stats.sort_stats("tottime").print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.exit(main())
