"""Search cost in the browser: bytes fetched before the first results show, on a built site.

Opens /search/?q=WORD in headless Chromium for English and Chinese marker words of the
generated knowledge base, waits for the first result, and sums every response body the page
loaded (HTML, CSS, JS, Pagefind index chunks). Also checks that the expected entry is found.

    python bench/bench_search.py --entries 10000            # builds the site if needed
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
CHROMIUM = os.environ.get("KB_CHROMIUM", "/usr/bin/chromium")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def ensure_site(entries: int) -> tuple[Path, Path]:
    kb_dir = OUT / f"kb-{entries}"
    if not (kb_dir / "content").is_dir():
        subprocess.run([sys.executable, str(ROOT / "bench" / "generate.py"), "--entries", str(entries),
                        "--out", str(kb_dir)], check=True)
    site = kb_dir / "site-full"
    if not (site / "pagefind").is_dir():
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
        subprocess.run([sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(kb_dir / "mkdocs.yml"), "-d",
                        str(site)], check=True, env=env)
    return kb_dir, site


def queries(kb_dir: Path) -> list[tuple[str, str]]:
    """(word, expected entry id) pairs from the generator's marker file, English and Chinese."""
    out = []
    markers = kb_dir / "markers.tsv"
    lines = markers.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=False)) for line in lines[1:]]
    for row in rows[:: max(1, len(rows) // 3)][:3]:
        out += [(row[key], row["id"]) for key in ("english", "chinese") if row.get(key)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=10000)
    args = parser.parse_args()
    kb_dir, site = ensure_site(args.entries)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/"
    index_size = sum(p.stat().st_size for p in (site / "pagefind").rglob("*") if p.is_file())

    from playwright.sync_api import sync_playwright

    print(f"Search at {args.entries} entries; Pagefind bundle on disk {index_size / 1e6:.1f} MB")
    print("| query | expected entry in top 20 | bytes loaded before first results | requests |")
    print("|---|---|---|---|")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu",
                                                                    "--disable-background-networking"])
        for word, expected in queries(kb_dir):
            context = browser.new_context()  # empty cache for every query
            page = context.new_page()
            sizes: list[int] = []
            page.on("requestfinished", lambda r, sizes=sizes: sizes.append(r.sizes()["responseBodySize"]))
            page.goto(f"{url}search/?q={word}")
            page.wait_for_selector(".pagefind-ui__result-title", timeout=60_000)
            loaded = sum(sizes)
            # Correctness: is the expected entry among the top 20 results? (Reading the titles loads
            # more fragments, so the bytes above are counted before this.)
            titles = page.evaluate(
                """async q => { const pf = await import('/pagefind/pagefind.js');
                   const s = await pf.search(q);
                   const d = await Promise.all(s.results.slice(0, 20).map(r => r.data()));
                   return d.map(x => x.meta.title); }""", word)
            found = any(t.startswith(expected + " ") for t in titles)
            print(f"| `{word}` | {'yes' if found else 'NO'} | {loaded / 1e6:.2f} MB | {len(sizes)} |")
            context.close()
        browser.close()
    server.shutdown()


if __name__ == "__main__":
    main()
