"""Two builds of the same input are byte-identical: every page, chart, feed, digest, API file,
search index file and the sitemap.

The two builds run in separate processes with different hash seeds (set and dict order built
from sets) and time zones 26 hours apart (UTC+14 and UTC-12: "now" and "today" differ), so
anything that depends on either shows up as a differing file. They are the session's
`two_builds_with_site_url` (see conftest.py), which test_feeds reads too.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from conftest import RUNS


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


def test_two_builds_of_the_sample_are_byte_identical(two_builds_with_site_url: tuple[Path, Path]) -> None:
    assert len({seed for seed, _ in RUNS}) == len({tz for _, tz in RUNS}) == 2, "the two runs differ"
    first, second = (contents(site) for site in two_builds_with_site_url)
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
