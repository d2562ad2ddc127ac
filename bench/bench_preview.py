"""Preview latency: edit one entry of an N-entry knowledge base while `kb serve` runs, and time
how long until an open browser shows the new title on the entry page, the defects index and the
owning PM's page, all three open in tabs at once (and, as "served", until the server first
serves the rebuilt entry page: the rest is the browser's reload). Each tab records the first
frame that shows the new title itself, so a tab's time does not wait for the tabs read before it.
Measured side by side for `kb serve` (dirty, kept correct by the plugin) and `kb serve --full`
(MkDocs' rebuild of every page).

    python bench/bench_preview.py --entries 2000
    python bench/bench_preview.py --entries 10000 --modes dirty   # --full rebuilds take minutes each
    python bench/bench_preview.py --entries 10000 --modes dirty --edit severity   # charts change too

The edits go to a copy of the generated knowledge base (bench/out/preview-N/), so the other
benchmarks keep measuring the generated content.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")


def ensure_kb(entries: int) -> Path:
    source = OUT / f"kb-{entries}"
    if not (source / "content").is_dir():
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--entries", str(entries),
                        "--out", str(source)], check=True)
    target = OUT / f"preview-{entries}"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    shutil.copytree(source / "content", target / "content")
    shutil.copy2(source / "mkdocs.yml", target / "mkdocs.yml")
    return target


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def newest_defect(kb_dir: Path) -> tuple[Path, str, str]:
    """The most recently reported defect: it is on the first page of every list."""
    import yaml

    best = None
    for path in (kb_dir / "content" / "defects").glob("*.md"):
        meta = yaml.load(path.read_text(encoding="utf-8").split("\n---", 1)[0][4:], Loader=yaml.CSafeLoader)
        key = (str(meta["reported_at"]), meta["id"])
        if best is None or key > best[0]:
            best = (key, path, meta["pm"])
    assert best is not None
    return best[1], best[1].stem, best[2]


# In each tab, from the start of every page load: the wall-clock time of the first frame whose
# element (the selector) holds the title the bench is waiting for (kept in sessionStorage across
# the live reload). Each tab's time is its own, whatever order the bench reads them in.
WATCH = """(() => {
  const selector = %s;
  const look = () => {
    if (sessionStorage.kbShown) return;  // seen: stop looking (every frame reads the element)
    const want = sessionStorage.kbWant, e = document.querySelector(selector);
    if (want && e && e.textContent.includes(want)) {
      sessionStorage.kbShown = String(performance.timeOrigin + performance.now());
    } else {
      requestAnimationFrame(look);
    }
  };
  requestAnimationFrame(look);
})();"""


def served(url: str, text: str) -> float:
    """When the server first answers `url` with `text` in it: the rebuild is written (the part of
    the wait before the browser's reload). Wall-clock time, as the tabs report theirs."""
    while True:
        try:
            if text in urllib.request.urlopen(url, timeout=5).read().decode("utf-8", "replace"):
                return time.time()
        except OSError:
            pass
        time.sleep(0.05)


SEVERITIES = ["fatal", "serious", "normal", "minor"]


def next_severity(text: str) -> str:
    """An entry's text with its severity moved to the next one (every chart of its figures changes)."""
    line = next(x for x in text.split("\n") if x.startswith("severity: "))
    now = SEVERITIES[(SEVERITIES.index(line.split()[1]) + 1) % len(SEVERITIES)]
    return text.replace(line, f"severity: {now}", 1)


def measure(kb_dir: Path, full: bool, rounds: int, pause: float = 5.0,
            severity: bool = False, server_log: Path | None = None) -> list[dict[str, float]]:
    from playwright.sync_api import sync_playwright

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "defectkb", "serve", "-a", f"127.0.0.1:{port}", *(["--full"] if full else [])]
    # Ctrl-C stops it at the end: a bench started in the background ignores SIGINT, and so would the server.
    log = open(server_log, "w") if server_log else subprocess.DEVNULL  # noqa: SIM115 (open while serving)
    proc = subprocess.Popen(command, cwd=kb_dir, env=env, stdout=log, stderr=log,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    url = f"http://127.0.0.1:{port}/"
    start = time.monotonic()
    while True:
        try:
            urllib.request.urlopen(url, timeout=5).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() - start > 1800:
                raise SystemExit("kb serve did not start") from None
            time.sleep(1)
    first_build = time.monotonic() - start
    path, stem, pm = newest_defect(kb_dir)
    results = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                        "--disable-background-networking"])
            pages = {}
            for name, where, selector in (("entry", f"defects/{stem}/", "h1"), ("index", "defects/", "#kb-defects"),
                                          ("pm", f"people/{pm}/", "#kb-person-owned")):
                page = browser.new_page()
                page.add_init_script(WATCH % json.dumps(selector))
                page.goto(url + where)
                pages[name] = page
            for n in range(rounds):
                time.sleep(pause)  # a writer reads the reloaded page before saving again
                title = f"preview latency probe {n} {int(time.time())}"
                for page in pages.values():
                    page.evaluate("t => { sessionStorage.removeItem('kbShown'); sessionStorage.kbWant = t; }", title)
                text = path.read_text(encoding="utf-8")
                line = next(x for x in text.split("\n") if x.startswith("title: "))
                t0 = time.time()
                text = text.replace(line, f"title: {title}", 1)
                if severity:  # the same save moves the entry to the next severity: charts change
                    text = next_severity(text)
                path.write_text(text, encoding="utf-8")
                times = {"served": served(url + f"defects/{stem}/", title) - t0}
                for name, page in pages.items():
                    page.wait_for_function("() => sessionStorage.kbShown", timeout=600_000)
                    times[name] = float(page.evaluate("sessionStorage.kbShown")) / 1000 - t0
                times["load"] = os.getloadavg()[0]  # the machine is shared: say how busy it was
                results.append(times)
            browser.close()
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        if server_log:
            log.close()  # type: ignore[union-attr]
    print(f"{'full' if full else 'dirty'}: first build {first_build:.1f} s")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--pause", type=float, default=5.0,
                        help="seconds between a reload and the next save (the preview collects garbage "
                             "after 3 idle seconds)")
    parser.add_argument("--edit", choices=["title", "severity"], default="title",
                        help="what each save changes in the newest defect besides its title (a severity "
                             "changes the charts of the insights, home and PM pages)")
    parser.add_argument("--server-log", type=Path, help="write the server's log here (dirty mode)")
    parser.add_argument("--modes", nargs="+", choices=["dirty", "full"], default=["dirty", "full"])
    parser.add_argument("--no-search", action="store_true",
                        help="serve without the Pagefind index (it is rebuilt in the background after every save)")
    args = parser.parse_args()
    kb_dir = ensure_kb(args.entries)
    if args.no_search:
        config = kb_dir / "mkdocs.yml"
        text = config.read_text(encoding="utf-8")
        config.write_text(text.replace("  - defectkb ", "  - defectkb:\n      search: none\n   ", 1), encoding="utf-8")
    rows = []
    for full in [m == "full" for m in args.modes]:
        got = measure(kb_dir, full, args.rounds, args.pause, args.edit == "severity",
                      None if full else args.server_log)
        for i, r in enumerate(got):
            print(f"  round {i + 1}: " + ", ".join(f"{k} {v:.2f} s" for k, v in r.items() if k != "load")
                  + f" (load average {r['load']:.1f})", flush=True)
        rows.append(("kb serve --full" if full else "kb serve (dirty, default)", got))
    search = ", no search index" if args.no_search else ""
    search += ", title and severity edited" if args.edit == "severity" else ""
    print(f"\nPreview latency at {args.entries} entries{search}: seconds from save to the new title on screen, "
          "mean (best–worst) over the rounds")
    print("| server | rebuilt (served) | entry page | defects index | PM page | rounds with every tab ≤ 2 s |")
    print("|---|---|---|---|---|---|")
    for name, got in rows:
        cells = []
        for key in ("served", "entry", "index", "pm"):
            values = [r[key] for r in got]
            cells.append(f"{sum(values) / len(values):.2f} ({min(values):.2f}–{max(values):.2f})")
        within = sum(1 for r in got if max(r[k] for k in ("entry", "index", "pm")) <= 2.0)
        print(f"| {name} | {' | '.join(cells)} | {within} of {len(got)} |")


if __name__ == "__main__":
    main()
