"""Atom feeds and build determinism: two real builds of the sample with a `site_url`
(the session's `two_builds_with_site_url`, in separate processes with different hash seeds and time zones)."""

from __future__ import annotations

import filecmp
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import CONTENT, SITE_URL
from defusedxml import ElementTree
from test_insights import sample

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def two_builds(two_builds_with_site_url: tuple[Path, Path]) -> tuple[Path, Path]:
    """The sample built twice with a site_url (shared with test_determinism; read only)."""
    return two_builds_with_site_url


def moment(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time(12), tzinfo=UTC)


def updated(meta: dict) -> datetime:
    keys = ("reported_at", "resolved_at", "verified_at", "closed_at") if meta["kind"] == "defect" else (
        "created_at", "reviewed_at", "published_at")
    return max(moment(meta[k]) for k in keys if meta.get(k))


def entries_of(feed: Path) -> list[ElementTree.Element]:
    root = ElementTree.fromstring(feed.read_bytes())
    assert root.tag == f"{ATOM}feed"
    return root.findall(f"{ATOM}entry")


def entry_ids(feed: Path) -> list[str]:
    return [e.find(f"{ATOM}title").text.split(" ")[0] for e in entries_of(feed)]


def test_site_feed_has_every_entry_newest_first_with_absolute_links(two_builds):
    site, _ = two_builds
    everything = sample("defect") + sample("lesson")
    feed = site / "feeds" / "all.xml"
    root = ElementTree.fromstring(feed.read_bytes())
    expected = sorted(everything, key=lambda m: (updated(m), m["id"]), reverse=True)[:50]
    assert entry_ids(feed) == [m["id"] for m in expected]
    links = [link.get("href") for link in root.iter(f"{ATOM}link")]
    assert links and all(h.startswith(SITE_URL) for h in links)
    first = entries_of(feed)[0]
    assert first.find(f"{ATOM}link").get("href") == f"{SITE_URL}{'defects' if expected[0]['kind'] == 'defect' else 'lessons'}/"\
        + next(p.stem for p in CONTENT.rglob(f"{expected[0]['id']}-*.md")) + "/"
    # no build-time clock: the feed is as new as its newest entry
    assert datetime.fromisoformat(root.find(f"{ATOM}updated").text) == updated(expected[0])


def test_product_and_pm_feeds_hold_their_entries(two_builds):
    site, _ = two_builds
    everything = sample("defect") + sample("lesson")
    billing = {m["id"] for m in everything if (m.get("product") == "billing" or "billing" in (m.get("products") or []))}
    assert set(entry_ids(site / "feeds" / "products" / "billing.xml")) == billing
    mine = {m["id"] for m in everything if m["pm"] == "zhang.wei"}
    assert set(entry_ids(site / "feeds" / "people" / "zhang.wei.xml")) == mine
    assert not (site / "feeds" / "people" / "sun.li.xml").exists()  # not a PM


@pytest.mark.parametrize("page, feeds", [
    ("index.html", ["feeds/all.xml"]),
    ("products/billing/index.html", ["feeds/all.xml", "feeds/products/billing.xml"]),
    ("people/zhang.wei/index.html", ["feeds/all.xml", "feeds/people/zhang.wei.xml"]),
])
def test_pages_announce_their_feeds(two_builds, page, feeds):
    site, _ = two_builds
    html = BeautifulSoup((site / page).read_text(encoding="utf-8"), "html.parser")
    links = html.select('head link[type="application/atom+xml"]')
    assert [link["href"] for link in links] == [SITE_URL + f for f in feeds]
    # feed readers look for the `alternate` token; mkdocs-material must not take it for a language
    assert all("alternate" in link["rel"] and link["rel"] != ["alternate"] for link in links)
    assert all((site / f).is_file() for f in feeds)


def test_without_site_url_there_are_no_feeds(built_site: Path):
    assert not (built_site / "feeds").exists()
    assert 'application/atom+xml' not in (built_site / "index.html").read_text(encoding="utf-8")


def test_two_builds_are_byte_identical(two_builds):
    a, b = two_builds
    for folder in ("insights", "digests", "feeds", "api"):
        files = sorted(p.relative_to(a) for p in (a / folder).rglob("*") if p.is_file())
        assert files, folder
        assert sorted(p.relative_to(b) for p in (b / folder).rglob("*") if p.is_file()) == files
        _, mismatch, errors = filecmp.cmpfiles(a, b, [str(f) for f in files], shallow=False)
        assert not mismatch and not errors, (folder, mismatch[:5])
    for page in ("index.html", "people/zhang.wei/index.html"):  # pages with charts
        assert (a / page).read_bytes() == (b / page).read_bytes()
