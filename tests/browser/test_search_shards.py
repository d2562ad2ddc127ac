"""Search over a sharded Pagefind index: the sample site built with 10 entry pages per indexer
run, so its entries land in five bundles; the search page and the header box merge them."""

from __future__ import annotations

import functools
import http.server
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import CONTENT, ROOT, SharedBuild, shared_build, shared_sites

from .conftest import _Quiet

pytestmark = pytest.mark.browser

SHARD = 10


@shared_build("sharded_site")
def sharded(folder: Path) -> list[SharedBuild]:
    project = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    project["docs_dir"] = str(CONTENT)
    project["plugins"] = [{"defectkb": {"search_shard_pages": SHARD}}
                          if p == "defectkb" else p for p in project["plugins"]]
    config = folder / "mkdocs.yml"
    config.write_text(yaml.safe_dump(project, allow_unicode=True), encoding="utf-8")
    return [(config, ROOT, {})]


@pytest.fixture(scope="session")
def sharded_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Made with the session's other shared builds of the sample; read only."""
    (site,) = shared_sites("sharded_site", request, tmp_path_factory)
    return site


@pytest.fixture(scope="module")
def sharded_url(sharded_site: Path) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(sharded_site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


def test_entries_are_split_across_bundles(sharded_site: Path):
    entries = len(list(CONTENT.glob("defects/*.md"))) + len(list(CONTENT.glob("lessons/*.md")))
    bundles = json.loads((sharded_site / "pagefind" / "shards.json").read_text(encoding="utf-8"))["bundles"]
    assert len(bundles) + 1 == -(-entries // SHARD) > 1
    counts = [json.loads((sharded_site / "pagefind" / b / "pagefind-entry.json").read_text(encoding="utf-8"))
              for b in ["", *bundles]]
    assert sum(c["languages"]["zh"]["page_count"] for c in counts) == entries
    assert not list(sharded_site.glob(".pagefind-*")), "the staging folders are gone"


def _results(page, expected: str) -> str:
    """The result titles once `expected` is among them: Pagefind fills each result's title in as
    its fragment arrives (from whichever shard holds it), so the first ids shown are not all."""
    page.wait_for_function(
        "(id) => [...document.querySelectorAll('.pagefind-ui__result-title')].some(t => t.innerText.includes(id))",
        arg=expected, timeout=15000)
    return " ".join(page.locator(".pagefind-ui__result-title").all_inner_texts())


@pytest.mark.parametrize(("query", "expected"), [("价税合计", "DEF-0001"), ("Zahlungspflichtig", "DEF-0032"),
                                                 ("幂等", "LES-0003")])
def test_search_page_finds_entries_in_every_shard(page, sharded_url, query, expected):
    page.goto(sharded_url + "search/?q=" + query)
    assert expected in _results(page, expected)


def test_header_search_merges_the_shards(page, sharded_url):
    page.goto(sharded_url + "products/billing/")
    box = page.locator("form.kb-header-search input")
    for query, expected in [("价税合计", "DEF-0001"), ("Zahlungspflichtig", "DEF-0032")]:
        box.fill(query)
        page.wait_for_function(
            "(id) => [...document.querySelectorAll('.kb-header-results a[role=option]')]"
            ".some(a => a.innerText.includes(id))", arg=expected, timeout=15000)
        hrefs = page.eval_on_selector_all(".kb-header-results a[role=option]", "as => as.map(a => a.href)")
        href = next(h for h in hrefs if f"/{expected}-" in h)  # a merged shard's results link into the site
        page.goto(href)
        assert page.locator("h1").inner_text().startswith(expected)
        page.goto(sharded_url + "products/billing/")
