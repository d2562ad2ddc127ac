"""Static SVG charts made at build time: Vega-Lite specs rendered by vl-convert.

No JavaScript and no CDN: the SVG is inlined in the page. Text and axes use `currentColor`
and the background is transparent, so a chart follows the light or dark scheme of the page;
the SVG scales to the width of its box. Each chart comes with a title, a description for
screen readers (`<title>`/`<desc>`), and its data as a table and, when given, a CSV link.
Rendering is deterministic and cached by the hash of the spec, so identical charts cost once.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from html import escape
from typing import Any

from defectkb.chartfont import FONT_DIR, FONT_LIST
from defectkb.svg import compact

WIDTH = 520  # design width in px; the SVG scales to its box (CSS width: 100%)
HEIGHT = 200
SEVERITY_COLORS = {"fatal": "#e53935", "serious": "#fb8c00", "normal": "#1e88e5", "minor": "#90a4ae"}
STATUS_COLORS = {"new": "#8e24aa", "analyzing": "#8e24aa", "fixing": "#ab47bc", "testing": "#ba68c8",
                 "verified": "#43a047", "closed": "#2e7d32", "reopened": "#e53935", "rejected": "#90a4ae",
                 "deferred": "#78909c"}
SERIES_COLORS = ["#1e88e5", "#fb8c00", "#43a047", "#e53935", "#8e24aa", "#00897b"]
_GRID = "#8888"  # half-transparent grey: visible on white and on slate
_CONFIG = {
    "background": None,
    "font": FONT_LIST,  # labels measured with a small font of our own (defectkb.chartfont)
    "view": {"stroke": None},
    # the <svg> is role="img" with a title and description; per-mark labels would only bloat it
    "mark": {"aria": False}, "bar": {"aria": False}, "line": {"aria": False}, "point": {"aria": False},
    "rect": {"aria": False},
    "title": {"color": "currentColor", "fontSize": 14, "anchor": "start", "fontWeight": "bold"},
    "axis": {"labelColor": "currentColor", "titleColor": "currentColor", "domainColor": "currentColor",
             "tickColor": "currentColor", "gridColor": _GRID, "labelFontSize": 12, "titleFontSize": 12},
    "legend": {"labelColor": "currentColor", "titleColor": "currentColor", "labelFontSize": 12,
               "titleFontSize": 12, "orient": "bottom", "direction": "horizontal"},
    "text": {"color": "currentColor", "fontSize": 12, "aria": False},
}
_CACHE: dict[str, str] = {}  # spec hash -> SVG; also reused across preview rebuilds
_PLACED: dict[tuple[str, str, str, str], str] = {}  # (spec hash, figure id, title, description) -> its SVG in a page
_CACHE_MAX = 4096
# read by bench/bench_charts.py: charts rendered, reused, render seconds, seconds the build waited
stats = {"rendered": 0, "cached": 0, "seconds": 0.0, "waited": 0.0}


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def spec_key(spec: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def _remember(key: str, svg: str) -> None:
    if len(_CACHE) >= _CACHE_MAX:
        _CACHE.clear()
    _CACHE[key] = svg


_font_registered = False


def _render(spec: dict[str, Any]) -> tuple[str, float]:
    """The SVG and the seconds it took, rendered in this process (when the worker cannot)."""
    import vl_convert  # its renderer costs ~100 MiB once used: in the worker, not here, when it can

    global _font_registered
    if not _font_registered:
        vl_convert.register_font_directory(str(FONT_DIR))
        _font_registered = True
    t0 = time.perf_counter()
    return vl_convert.vegalite_to_svg(spec), time.perf_counter() - t0


def render_svg(spec: Mapping[str, Any]) -> str:
    """The SVG of a Vega-Lite spec, rendered once per distinct spec."""
    key = spec_key(spec)
    svg = _CACHE.get(key)
    if svg is not None:
        stats["cached"] += 1
        return svg
    svg, seconds = _render(dict(spec))
    stats["seconds"] += seconds
    stats["rendered"] += 1
    _remember(key, svg)
    return svg


_MARKER = re.compile(r"<!--kb-chart:([0-9a-f]{64}):([A-Za-z0-9_-]+)-->")


class Renderer:
    """Renders a build's charts in a worker process while MkDocs renders the other pages.

    Pages get a marker per chart when they are generated (`figure(..., renderer=)`); `start()`
    sends every new spec to one worker process; `fill()` swaps the markers for the SVGs when a
    page's HTML is finally needed, by which time most charts are done. Without a worker (it
    could not start) charts are rendered in this process, with the same result. In the preview
    (`keep_worker`) the worker outlives the build, and each new spec goes to it as soon as its
    marker is made.
    """

    def __init__(self, *, keep_worker: bool = False) -> None:
        # The preview keeps one worker between rebuilds: a new one takes a second to start V8.
        self.keep_worker = keep_worker
        self.specs: dict[str, dict[str, Any]] = {}
        self.meta: dict[tuple[str, str], tuple[str, str]] = {}  # (key, fig_id) -> (title, desc)
        self.futures: dict[str, Future[tuple[str, float]]] = {}
        self.worker: _Worker | None = None
        self.no_worker = False  # it could not start: charts render in this process
        self.waited = 0.0  # seconds the build spent waiting for the worker
        self.recorders: list[list[tuple[Any, ...]]] = []  # defectkb.site.memo: markers a kept page needs again

    def marker(self, spec: Mapping[str, Any], fig_id: str, title: str, desc: str) -> str:
        for recorder in self.recorders:
            recorder.append((spec, fig_id, title, desc))
        key = spec_key(spec)
        if key not in _CACHE:
            self.specs.setdefault(key, dict(spec))
            if self.keep_worker and key not in self.futures:
                # the preview's worker is already up: it draws while the other pages are generated
                self._send({key: self.specs[key]})
        self.meta[(key, fig_id)] = (title, desc)
        return f"<!--kb-chart:{key}:{fig_id}-->"

    def start(self) -> None:
        self._send({k: s for k, s in self.specs.items() if k not in _CACHE and k not in self.futures})

    def _send(self, todo: Mapping[str, dict[str, Any]]) -> None:
        if not todo or self.no_worker:
            return
        if self.worker is None:
            try:
                self.worker = _kept_worker() if self.keep_worker else _Worker()
            except OSError:  # no worker: render in this process when needed
                self.no_worker = True
                return
        for key, spec in todo.items():
            self.futures[key] = self.worker.submit(key, spec)

    def svg(self, key: str) -> str:
        svg = _CACHE.get(key)
        if svg is not None:
            stats["cached"] += 1
            return svg
        future = self.futures.pop(key, None)
        if future is None:
            return render_svg(self.specs[key])
        t0 = time.perf_counter()
        try:
            svg, seconds = future.result()
        except Exception:  # the worker died: render here
            return render_svg(self.specs[key])
        self.waited += time.perf_counter() - t0
        stats["waited"] += time.perf_counter() - t0
        stats["seconds"] += seconds
        stats["rendered"] += 1
        _remember(key, svg)
        return svg

    def fill(self, html: str) -> str:
        if "<!--kb-chart:" not in html:
            return html

        def swap(m: re.Match[str]) -> str:
            key, fig_id = m.group(1), m.group(2)
            title, desc = self.meta[(key, fig_id)]
            # A page made again shows mostly charts it showed before: their final text is kept
            # (made with regular expressions over 20-60 KB of SVG each).
            placed = (key, fig_id, title, desc)
            made = _PLACED.get(placed) if key in _CACHE else None
            if made is not None:
                stats["cached"] += 1
                return made
            made = accessible(self.svg(key), fig_id, title, desc)
            if len(_PLACED) >= _CACHE_MAX:
                _PLACED.clear()
            _PLACED[placed] = made
            return made

        return _MARKER.sub(swap, html)

    def close(self) -> None:
        if self.worker is not None and not self.keep_worker:
            self.worker.stop()
        self.worker = None
        self.futures.clear()


# Run as a script, not imported from the package: the worker loads nothing of ours but this file.
_WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chart_worker.py")


class _Worker:
    """One process of `defectkb/chart_worker.py`, fed and read by two threads of this one.

    Not a ProcessPoolExecutor: a spawned pool worker imports the parent's main module (MkDocs and
    everything it loaded) and keeps a resource-tracker process beside it, ~60 MiB the renderer
    does not need. Specs go in as JSON documents and SVGs come back as lines, in order; each
    answer resolves its chart's Future. If the process dies, every open Future fails and the
    charts render here. (The worker renews itself every hundred charts: see `chart_worker`.)
    """

    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, _WORKER, str(FONT_DIR)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lock = threading.Lock()  # guards `pending` and `finished`, shared with the reader
        self.pending: dict[str, Future[tuple[str, float]]] = {}
        self.finished = False  # the worker's output has ended: nothing asked from now on is answered
        self.requests: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()  # None: stop writing
        threading.Thread(target=self._write, name="kb-charts-in", daemon=True).start()
        self.reader = threading.Thread(target=self._read, name="kb-charts-out", daemon=True)
        self.reader.start()

    def submit(self, key: str, spec: Mapping[str, Any]) -> Future[tuple[str, float]]:
        with self.lock:
            future = self.pending.get(key)
            if future is not None:  # asked for by an earlier rebuild and not drawn yet
                return future
            future = Future()
            if self.finished:  # the worker died after it was started: the chart renders here
                future.set_exception(RuntimeError("the chart worker stopped"))
                return future
            self.pending[key] = future
        data = json.dumps([key, spec]).encode("ascii")
        self.requests.put(b"%d\n%s" % (len(data), data))
        return future

    def _write(self) -> None:
        """Writes from its own thread: the worker reads a spec only when it has rendered the last."""
        stdin = self.proc.stdin
        assert stdin is not None
        try:
            while (request := self.requests.get()) is not None:
                stdin.write(request)
                stdin.flush()
        except (OSError, ValueError):
            pass  # the worker is gone: _read fails what is still open
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def _read(self) -> None:
        stdout = self.proc.stdout
        assert stdout is not None
        for line in stdout:
            try:
                key, svg, seconds, error = json.loads(line)
            except ValueError:
                break
            with self.lock:
                future = self.pending.pop(key, None)
            if future is None:
                continue
            if error is None:
                future.set_result((svg, seconds))
            else:
                future.set_exception(RuntimeError(error))
        with self.lock:
            self.finished = True
            left, self.pending = self.pending, {}
        for future in left.values():
            future.set_exception(RuntimeError("the chart worker stopped"))
        self.requests.put(None)  # and the writer has nobody left to write to

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        """Ends the worker now: at the end of a build nothing is waiting for it any more."""
        self.requests.put(None)
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()


_SVG_OPEN = re.compile(r"<svg\b[^>]*>")
_SIZE = re.compile(r'\s(?:width|height)="[^"]*"')
_IDS = re.compile(r'\b(id="|url\(#|href="#)(clip\d+|gradient\d+|pattern\d+)')


def accessible(svg: str, fig_id: str, title: str, desc: str) -> str:
    """Make the SVG scale to its box, name it for screen readers and keep its ids unique per page."""
    svg = compact(svg)
    m = _SVG_OPEN.search(svg)
    if m is None:
        return ""
    opening = _SIZE.sub("", m.group(0))[:-1]
    opening += (f' width="100%" role="img" aria-labelledby="{fig_id}-t {fig_id}-d" focusable="false">'
                f'<title id="{fig_id}-t">{_e(title)}</title><desc id="{fig_id}-d">{_e(desc)}</desc>')
    body = svg[m.end():]
    body = _IDS.sub(lambda x: f"{x.group(1)}{fig_id}-{x.group(2)}", body)
    return opening + body


def to_csv(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return out.getvalue()


def data_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in header)
    body = "".join("<tr>" + "".join(f"<td>{'—' if v is None else _e(v)}</td>" for v in row) + "</tr>"
                   for row in rows)
    return (f'<div class="kb-table-wrap"><table class="kb-data-table"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table></div>")


def figure(spec: Mapping[str, Any], *, fig_id: str, title: str, desc: str,
           header: Sequence[str], rows: Sequence[Sequence[object]], data_label: str = "Data",
           csv_href: str | None = None, definition: str = "", renderer: Renderer | None = None) -> str:
    """A chart as a <figure>: the SVG, a caption (definition) and the data in a <details> table.

    With a `renderer` the SVG is a marker until `renderer.fill()`; without, it is rendered now.
    """
    if renderer is not None:
        svg = renderer.marker(spec, fig_id, title, desc)
    else:
        svg = accessible(render_svg(spec), fig_id, title, desc)
    csv_link = f' · <a href="{_e(csv_href)}" download>CSV</a>' if csv_href else ""
    caption = f'<figcaption class="kb-chart-caption">{definition}</figcaption>' if definition else ""
    return (f'<figure class="kb-figure" id="{fig_id}"><div class="kb-chart">{svg}</div>{caption}'
            f'<details class="kb-chart-data"><summary>{_e(data_label)}</summary>{data_table(header, rows)}'
            f"{csv_link}</details></figure>")


def table_figure(*, fig_id: str, header: Sequence[str], rows: Sequence[Sequence[object]],
                 csv_href: str | None = None, definition: str = "", data_label: str = "Data") -> str:
    """A figure shown as its table only (no chart), with the same caption and CSV link."""
    csv_link = f' · <a href="{_e(csv_href)}" download>CSV</a>' if csv_href else ""
    caption = f'<figcaption class="kb-chart-caption">{definition}</figcaption>' if definition else ""
    # short tables show; long ones (a monthly series) fold, with their definition above
    attrs = " open" if len(rows) <= 12 else ""
    return (f'<figure class="kb-figure kb-figure-table" id="{fig_id}">{caption}<details class="kb-chart-data"{attrs}>'
            f"<summary>{_e(data_label)} ({len(rows)}){csv_link}</summary>{data_table(header, rows)}</details></figure>")


# -- chart builders: plain rows in, a Vega-Lite spec out ----------------------------------
# The specs are written as Vega-Lite JSON directly. Altair would build the same dicts (the tests
# build every chart with it too and compare), but importing it costs every build and every chart
# worker ~40 MiB, more than the rest of the plugin; these six fixed shapes do not need it.

_SPECS: dict[str, dict[str, Any]] = {}  # hash of a builder's name and arguments -> its spec
_SPECS_MAX = 4096
spec_stats = {"built": 0, "memoised": 0}


def _memo_key(name: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    text = json.dumps([name, args, kwargs], ensure_ascii=False, default=repr)
    return hashlib.blake2b(text.encode("utf-8"), digest_size=20).hexdigest()


def _memoised(build: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """Build a spec once per distinct input (the rows and every option), across builds.

    A preview rebuild regenerates every insight page; unchanged charts come from here. The key is
    the whole input, so a changed row can never be served a stale spec. Specs are shared: callers
    must not change them.
    """

    @functools.wraps(build)
    def wrapper(*args: Any, **kwargs: Any) -> dict[str, Any]:
        key = _memo_key(build.__name__, args, kwargs)
        spec = _SPECS.get(key)
        if spec is not None:
            spec_stats["memoised"] += 1
            return spec
        spec = build(*args, **kwargs)
        spec_stats["built"] += 1
        if len(_SPECS) >= _SPECS_MAX:
            _SPECS.clear()
        _SPECS[key] = spec
        return spec

    return wrapper


def _field(name: str, kind: str, **props: Any) -> dict[str, Any]:
    """An encoding channel: `kind` is the Vega-Lite type (nominal, ordinal, quantitative)."""
    return {"field": name, "type": kind, **props}


def _scale(domain: Sequence[str], colors: Mapping[str, str] | None = None) -> dict[str, Any]:
    rng = [(colors or {}).get(k, SERIES_COLORS[i % len(SERIES_COLORS)]) for i, k in enumerate(domain)]
    return {"domain": list(domain), "range": rng}


def _chart(rows: list[dict[str, Any]], title: str, width: float, height: float, **body: Any) -> dict[str, Any]:
    return {"data": {"values": rows}, **body, "title": title, "width": width, "height": height, "config": _CONFIG}


@_memoised
def stacked_columns(rows: list[dict[str, Any]], *, title: str, x_title: str, y_title: str,
                    color_title: str, color_domain: Sequence[tuple[str, str]],
                    colors: Mapping[str, str] | None = None, offset_title: str | None = None,
                    offset_domain: Sequence[str] | None = None) -> dict[str, Any]:
    """Columns per x (a month), stacked by a colour (`key`), optionally side by side by `offset`.

    rows: {"x", "key", "n"[, "offset"]}; color_domain: (key, label) in stacking order.
    """
    labels = {k: v for k, v in color_domain}
    keys = [k for k, _ in color_domain]
    rank = {k: i for i, k in enumerate(keys)}
    data = [{**r, "label": labels.get(r["key"], r["key"]), "rank": rank.get(r["key"], 99)} for r in rows]
    enc: dict[str, Any] = {
        "x": _field("x", "ordinal", title=x_title, axis={"labelAngle": -45, "labelOverlap": True}),
        "y": _field("n", "quantitative", aggregate="sum", title=y_title, axis={"tickMinStep": 1}),
        "color": _field("label", "nominal", title=color_title,
                        scale=_scale([labels[k] for k in keys], {labels[k]: (colors or {}).get(k, "")
                                                                 for k in keys if (colors or {}).get(k)})),
        "order": _field("rank", "quantitative"),
    }
    if offset_domain:
        order = list(offset_domain)
        enc["xOffset"] = _field("offset", "nominal", title=offset_title, sort=order)
        fade = {"domain": order, "range": [1.0, 0.55][:len(order)]}
        # the legend's swatches in the text colour: the default black is invisible on slate
        enc["opacity"] = _field("offset", "nominal", title=offset_title, sort=order, scale=fade,
                                legend={"symbolFillColor": "currentColor"})
    return _chart(data, title, WIDTH, HEIGHT, mark={"type": "bar"}, encoding=enc)


@_memoised
def lines(rows: list[dict[str, Any]], *, title: str, x_title: str, y_title: str, series_title: str,
          series: Sequence[str], percent: bool = False) -> dict[str, Any]:
    """One line per series over x. rows: {"x", "series", "y"}."""
    enc = {
        "x": _field("x", "ordinal", title=x_title, axis={"labelAngle": -45, "labelOverlap": True}),
        "y": _field("y", "quantitative", title=y_title, axis={"format": ".0%" if percent else "~s"}),
        # one series needs no legend: the title says what the line is
        "color": _field("series", "nominal", title=series_title, scale=_scale(series),
                        legend={} if len(series) > 1 else None),
    }
    return _chart(rows, title, WIDTH, HEIGHT, mark={"type": "line", "point": True}, encoding=enc)


@_memoised
def pareto(rows: list[dict[str, Any]], *, title: str, x_title: str, y_title: str,
           cumulative_title: str) -> dict[str, Any]:
    """Bars in descending order with the cumulative share as a line on a second axis.

    rows: {"label", "n", "cum"} already sorted.
    """
    x = _field("label", "nominal", title=x_title, sort=[r["label"] for r in rows],
               axis={"labelAngle": -40, "labelLimit": 120})
    bars = {"mark": {"type": "bar", "color": SERIES_COLORS[0]},
            "encoding": {"x": x, "y": _field("n", "quantitative", title=y_title, axis={"tickMinStep": 1})}}
    line = {"mark": {"type": "line", "color": SERIES_COLORS[1], "point": {"color": SERIES_COLORS[1]}},
            "encoding": {"x": x, "y": _field("cum", "quantitative", title=cumulative_title,
                                             scale={"domain": [0, 1]}, axis={"format": ".0%"})}}
    return _chart(rows, title, WIDTH, HEIGHT, layer=[bars, line], resolve={"scale": {"y": "independent"}})


@_memoised
def heatmap(rows: list[dict[str, Any]], *, title: str, x_title: str, y_title: str,
            x_order: Sequence[str], y_order: Sequence[str], n_title: str) -> dict[str, Any]:
    """A count matrix with the numbers written in the cells. rows: {"x", "y", "n"}."""
    position = {
        "x": _field("x", "nominal", title=x_title, sort=list(x_order), axis={"labelAngle": -30, "labelLimit": 110}),
        "y": _field("y", "nominal", title=y_title, sort=list(y_order)),
    }
    cells = {"mark": {"type": "rect"},
             "encoding": {**position, "color": _field("n", "quantitative", title=n_title,
                                                      scale={"scheme": "oranges"}, legend=None)}}
    text = {"mark": {"type": "text", "fontSize": 12, "fontWeight": "bold", "color": "#111"},
            "encoding": {**position, "text": _field("n", "quantitative")}}
    return _chart(rows, title, WIDTH * 0.75, 22 * max(1, len(y_order)), layer=[cells, text])


SLANT_AFTER = 6  # categories of grouped_bars shown with level labels


def _count_axis(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A y axis of whole numbers: Vega's tickMinStep alone still puts a 0.5 tick below a top of 1."""
    top = max((r["y"] for r in rows), default=0)
    return {"tickMinStep": 1, "tickCount": int(min(5, max(1, top)))}


@_memoised
def grouped_bars(rows: list[dict[str, Any]], *, title: str, x_title: str, y_title: str,
                 series_title: str, series: Sequence[str], x_order: Sequence[str],
                 counts: bool = False) -> dict[str, Any]:
    """Bars per category, side by side per series. rows: {"x", "series", "y"}. `counts`: whole
    numbers, so the y axis ticks whole numbers only."""
    # Past a few categories (a person's months) level labels run into each other: slant them,
    # and leave out those that would still overlap.
    x_axis = {"labelAngle": 0, "labelLimit": 110} if len(x_order) <= SLANT_AFTER else \
        {"labelAngle": -45, "labelOverlap": True, "labelLimit": 110}
    enc = {
        "x": _field("x", "nominal", title=x_title, sort=list(x_order), axis=x_axis),
        "xOffset": _field("series", "nominal", sort=list(series)),
        "y": _field("y", "quantitative", title=y_title, **({"axis": _count_axis(rows)} if counts else {})),
        "color": _field("series", "nominal", title=series_title, scale=_scale(series)),
    }
    return _chart(rows, title, WIDTH, HEIGHT, mark={"type": "bar"}, encoding=enc)


@_memoised
def share_bars(rows: list[dict[str, Any]], *, title: str, y_title: str, x_title: str,
               color_domain: Sequence[tuple[str, str]], colors: Mapping[str, str]) -> dict[str, Any]:
    """Horizontal bars of counts, one row per group, stacked by key. rows: {"group", "key", "n"}."""
    labels = dict(color_domain)
    rank = {k: i for i, (k, _) in enumerate(color_domain)}
    data = [{**r, "label": labels.get(r["key"], r["key"]), "rank": rank.get(r["key"], 99)} for r in rows if r["n"]]
    groups = list(dict.fromkeys(r["group"] for r in rows))
    used = [k for k, _ in color_domain if any(d["key"] == k for d in data)]
    enc = {
        "y": _field("group", "nominal", title=y_title, sort=groups),
        "x": _field("n", "quantitative", aggregate="sum", title=x_title, axis={"tickMinStep": 1}),
        "color": _field("label", "nominal", title=None, scale={"domain": [labels[k] for k in used],
                                                              "range": [colors.get(k, "#888") for k in used]}),
        "order": _field("rank", "quantitative"),
    }
    return _chart(data, title, WIDTH, 26 * len(groups), mark={"type": "bar"}, encoding=enc)


_kept: _Worker | None = None


def _kept_worker() -> _Worker:
    """The preview's worker, started on first use and again if it died. It ends with this process:
    its stdin closes, and it stops reading."""
    global _kept
    if _kept is None or not _kept.alive():
        _kept = _Worker()
    return _kept
