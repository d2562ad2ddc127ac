"""Full-text search with Pagefind: a static index split into small chunks, so the browser loads
only what a query needs (kilobytes, not the whole index). The extended build segments Chinese.

Pagefind's indexer holds everything it indexes in memory until it writes (about 0.3 MB per
Chinese entry page), so one run over 100,000 entries would need tens of GB. The entry pages are
therefore indexed in shards (`shard_size`), one indexer run after another, each into its own
bundle: the first in `pagefind/`, the others in `pagefind/shard-N/`, listed in
`pagefind/shards.json`. The browser merges them with Pagefind's `mergeIndex` (kb/assets/kb.js).
Each run sees only its shard: the pages are hard-linked (or copied) into a staging folder whose
layout mirrors the site, so the result URLs are the site's.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.plugins.defectkb")

# Entry pages per indexer run, when not set: about a tenth of the pages, between these bounds. The
# indexer holds ~0.3 MB per Chinese page until it writes, so its peak follows the shard (0.12 GB at
# 250 pages, 0.18 GB at 500, 0.6 GB at 2,000), while each shard costs a query about 0.1 MB: ten
# shards from 2,500 to 20,000 pages keep the index's memory a fraction of the build's; beyond that
# shards stay at 2,000 pages. Below, shards of 250 keep a small site's index (four shards at 1,000)
# within what the build itself holds.
MIN_SHARD, MAX_SHARD = 250, 2000
BUNDLE = "pagefind"
MANIFEST = "shards.json"  # {"bundles": ["shard-1/", ...]}: the bundles to merge into the first one
_lock = threading.Lock()  # the preview indexes in a background thread; never two runs at once
# The preview's queue: at most one run going and one waiting, the newest site's. Saves that come in
# while a run is going replace the waiting request instead of queueing a run each.
_queue_lock = threading.Lock()
_waiting: tuple[Path, str, list[str], int] | None = None
_asked = 0.0  # when the oldest request waiting came (time.monotonic)
_worker: threading.Thread | None = None
# A request waits this long before its run starts: the browser reloads the saved page meanwhile,
# and the indexer (a second process at full speed) would share the processor with it.
GRACE = 2.0
# The preview re-indexes after every save. A shard whose pages are the very files it was last
# indexed from (same paths, sizes, times and inodes) keeps its bundle, hard-linked into the new
# one: an edit re-indexes the shard or two that hold the pages it changed, not all of them.
Fingerprint = tuple[tuple[int, int, int], ...]  # (size, mtime_ns, inode) per page
_indexed: dict[tuple[str, str, int], tuple[tuple[str, ...], Fingerprint]] = {}  # (site, language, k): pages


def release_memory() -> None:
    """Collect garbage and hand freed heap pages back to the system (glibc's malloc_trim), so
    the build's resident memory shrinks before the indexer's is added to it."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: the memory stays reserved
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def shard_size(pages: int, configured: int = 0) -> int:
    """Pages per shard: `configured` when set, else a tenth of the pages within the bounds above."""
    if configured > 0:
        return configured
    return min(MAX_SHARD, max(MIN_SHARD, -(-pages // 10)))


def shards(pages: Sequence[str], size: int = 0) -> list[list[str]]:
    """Pages in index order, cut into runs of at most `size` (at least one, maybe empty)."""
    size = shard_size(len(pages), size)
    ordered = sorted(pages)
    return [ordered[i:i + size] for i in range(0, len(ordered), size)] or [[]]


def build_search_index(site_dir: Path, language: str, pages: Sequence[str], shard_pages: int = 0, *,
                       reuse: bool = False) -> int:
    """Index `pages` (paths relative to `site_dir`, the entry pages) into `site_dir/pagefind`.

    With `reuse` (the preview), shards whose pages did not change since this process last indexed
    them keep their bundles. Returns the number of indexer runs."""
    with _lock:
        parts = shards(pages, shard_pages)
        final = site_dir / BUNDLE
        runs = 0
        kept: dict[tuple[str, str, int], tuple[tuple[str, ...], Fingerprint]] = {}
        # Build next to the old bundle and swap at the end: a preview keeps searching meanwhile.
        work = Path(tempfile.mkdtemp(prefix=".pagefind-", dir=site_dir))
        try:
            out = work / BUNDLE
            for k, part in enumerate(parts):
                dest = out if k == 0 else out / f"shard-{k}"
                key = (str(site_dir), language, k)
                seen = _fingerprint(site_dir, part) if reuse else None
                if seen is not None and _indexed.get(key) == (tuple(part), seen) \
                        and _link_bundle(final if k == 0 else final / f"shard-{k}", dest, top=k == 0):
                    kept[key] = (tuple(part), seen)
                    continue
                _index(site_dir, work / f"stage-{k}", part, dest, language, background=reuse)
                runs += 1
                if seen is not None:
                    kept[key] = (tuple(part), seen)
            (out / MANIFEST).write_text(json.dumps({"bundles": [f"shard-{k}/" for k in range(1, len(parts))]}),
                                        encoding="utf-8")
            old = work / "old"
            if final.exists():
                final.rename(old)
            out.rename(final)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        for key in [key for key in _indexed if key[0] == str(site_dir)]:
            del _indexed[key]
        _indexed.update(kept)
        if len(parts) > 1 and not reuse:
            log.info(f"defectkb: search index in {len(parts)} shards of up to {len(parts[0])} pages")
        return runs


def _fingerprint(site_dir: Path, pages: Sequence[str]) -> Fingerprint | None:
    """Size, modification time and inode of each page, or None if one is missing."""
    out = []
    for rel in pages:
        try:
            st = os.stat(site_dir / rel)
        except OSError:
            return None
        out.append((st.st_size, st.st_mtime_ns, st.st_ino))
    return tuple(out)


def _link_bundle(src: Path, dest: Path, *, top: bool) -> bool:
    """Hard-link (or copy) an indexed bundle into the new one; the top bundle without the other
    shards and the manifest. False, and nothing left in `dest`, if it cannot be done."""
    try:
        for root, dirs, files in os.walk(src):
            here = Path(root)
            rel = here.relative_to(src)
            if top and rel == Path("."):
                dirs[:] = [d for d in dirs if not d.startswith("shard-")]
                files = [f for f in files if f != MANIFEST]
            (dest / rel).mkdir(parents=True, exist_ok=True)
            for name in files:
                try:
                    os.link(here / name, dest / rel / name)
                except OSError:
                    shutil.copyfile(here / name, dest / rel / name)
        if (dest / "pagefind-entry.json").is_file():
            return True
    except OSError:
        pass
    shutil.rmtree(dest, ignore_errors=True)
    return False


def index_in_background(site_dir: Path, language: str, pages: Sequence[str], shard_pages: int = 0) -> None:
    """Index the site in a background thread (the preview's reload must not wait for it)."""
    global _waiting, _worker, _asked
    with _queue_lock:
        if _waiting is None:  # the grace runs from the oldest request waiting: saves never hold it off
            _asked = time.monotonic()
        _waiting = (site_dir, language, list(pages), shard_pages)
        if _worker is None:
            _worker = threading.Thread(target=_drain, name="defectkb-search", daemon=True)
            _worker.start()


def _drain() -> None:
    global _waiting, _worker
    while True:
        with _queue_lock:
            early = GRACE - (time.monotonic() - _asked)
            if _waiting is not None and early > 0:
                job = None  # a request too new to run: wait, a newer one may replace it
            else:
                job, _waiting = _waiting, None
                if job is None:
                    _worker = None  # under the lock: a request made from now on starts a new worker
                    return
        if job is None:
            time.sleep(early)
            continue
        try:
            build_search_index(*job, reuse=True)
        except PluginError as exc:  # the preview goes on without a fresh index; say why
            log.warning(f"defectkb: search index not updated: {exc}")


def _stage(site_dir: Path, stage: Path, pages: Sequence[str]) -> None:
    """A folder holding only these pages, at their paths in the site (hard links: no copying)."""
    link = True
    for rel in pages:
        src = site_dir / rel
        dest = stage / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        if link:
            try:
                os.link(src, dest)
                continue
            except OSError:  # another file system, or links not supported: copy instead
                link = False
        shutil.copyfile(src, dest)


def _yield_processor(pid: int) -> None:
    """The preview's indexer runs only on a processor nothing else wants: the rebuild of the next
    save and the browser's reload go first. On Linux it is scheduled as SCHED_IDLE. Nice +10
    alone still gave it a tenth of a busy processor, and on two processors the first index of a
    large site (a minute at 10,000 entries) ran beside every reload of that minute. Elsewhere it
    runs at nice +10. (Set before its launcher starts the indexer, which inherits both.)"""
    with contextlib.suppress(AttributeError, OSError):  # not on Windows; or not allowed
        os.setpriority(os.PRIO_PROCESS, pid, os.getpriority(os.PRIO_PROCESS, 0) + 10)
    with contextlib.suppress(AttributeError, OSError):  # Linux only
        os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))


def _index(site_dir: Path, stage: Path, pages: Sequence[str], output: Path, language: str,
           background: bool = False) -> None:
    _stage(site_dir, stage, pages)
    if not pages:  # an empty knowledge base still gets a bundle, so the search page loads
        (stage / "index.html").write_text("<!doctype html><html><body></body></html>", encoding="utf-8")
    command = [sys.executable, "-m", "pagefind", "--site", str(stage), "--output-path", str(output),
               "--force-language", "zh" if language == "zh" else "en", "--exclude-selectors", ".headerlink",
               "--quiet"]
    try:
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
            if background:
                _yield_processor(proc.pid)
            try:
                stdout, stderr = proc.communicate(timeout=900)
            except subprocess.TimeoutExpired:
                proc.kill()
                stdout, stderr = proc.communicate()
    except FileNotFoundError as exc:  # pragma: no cover - python itself is missing
        raise PluginError(f"cannot run Pagefind: {exc}") from None
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    if proc.returncode != 0:
        detail = (stderr or stdout).strip().splitlines()[-5:]
        raise PluginError("Pagefind could not index the site (pip install 'pagefind[extended]'):\n"
                          + "\n".join(detail))
