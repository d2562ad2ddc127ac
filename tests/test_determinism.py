"""Two builds of the same input are byte-identical: every page, chart, feed, digest, API file,
search index file and the sitemap.

The two builds run in separate processes with different hash seeds (set and dict order built
from sets) and time zones 26 hours apart (UTC+14 and UTC-12: "now" and "today" differ), so
anything that depends on either shows up as a differing file.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

RUNS = (("1", "Pacific/Kiritimati"), ("2", "Etc/GMT+12"))


def start_build(config: Path, site: Path, seed: str, tz: str) -> subprocess.Popen[str]:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT), "PYTHONHASHSEED": seed, "TZ": tz}
    return subprocess.Popen([sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
                            cwd=config.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def contents(site: Path) -> dict[str, bytes]:
    out = {}
    for path in sorted(site.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            if path.name.endswith(".gz"):
                # MkDocs writes sitemap.xml.gz with the output path and the build date in gzip's
                # header, so two output folders differ there; what is served is the content.
                data = gzip.decompress(data)
            out[path.relative_to(site).as_posix()] = data
    return out


def test_two_builds_of_the_sample_are_byte_identical(tmp_path: Path) -> None:
    config = tmp_path / "mkdocs.yml"
    # site_url: with it the build also writes Atom feeds.
    config.write_text("site_url: https://kb.example.com/\n" + (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
                      .replace("docs_dir: content", f"docs_dir: {ROOT / 'content'}"), encoding="utf-8")
    sites = [tmp_path / f"site{seed}" for seed, _ in RUNS]
    builds = [start_build(config, site, seed, tz) for site, (seed, tz) in zip(sites, RUNS, strict=True)]
    for build in builds:
        _, stderr = build.communicate(timeout=900)
        assert build.returncode == 0, stderr[-3000:]
    first, second = (contents(site) for site in sites)
    assert set(first) == set(second), sorted(set(first) ^ set(second))
    differing = sorted(name for name in first if first[name] != second[name])
    assert not differing, f"{len(differing)} files differ between the two builds: {differing[:40]}"
    # What the test covers: the new outputs are in the comparison.
    for expected in ("sitemap.xml", "sitemap.xml.gz", "api/stats.json", "api/entries.json", "feeds/all.xml",
                     "pagefind/pagefind-entry.json"):
        assert expected in first, expected
    assert b"<svg" in first["insights/index.html"]  # the charts are static SVG in the page
    for kind, suffix in (("insights/data/", ".csv"), ("feeds/products/", ".xml"), ("digests/", ".html"),
                         ("pagefind/fragment/", ".pf_fragment")):
        assert any(n.startswith(kind) and n.endswith(suffix) for n in first), (kind, suffix)
    # Atom feeds are dated by the entries, never by the build.
    assert b"<updated>" in first["feeds/all.xml"]
