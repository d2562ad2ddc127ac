"""The real `mkdocs build` of the sample knowledge base, checked by parsing the HTML.

Figures on the people pages are recomputed here straight from the front matter (plain YAML,
no `kb` code), so a bug in kb.analytics cannot hide behind the same bug in the test.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import CONTENT, DEFECT, ROOT, SharedBuild, edit, mkdocs_build, shared_build, shared_sites
from defectkb.site.pages import PAGE_ROWS


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("\n---", 1)[0].removeprefix("---\n"))


def sample_entries() -> dict[str, tuple[Path, dict]]:
    out = {}
    for folder in ("defects", "lessons"):
        for path in sorted((CONTENT / folder).glob("*.md")):
            meta = front_matter(path)
            out[meta["id"]] = (path, meta)
    return out


def page_of(site: Path, src: str) -> Path:
    stem = src[:-3]
    return site / ("index.html" if stem == "index" else (stem.removesuffix("index") + "/index.html"
                                                         if stem.endswith("index") else stem + "/index.html"))


def links_on(path: Path) -> set[str]:
    """Targets of the links in the page's content (not the nav), resolved to site paths."""
    page = soup(path)
    article = page.select_one("article") or page
    base = path.parent
    out = set()
    for a in article.select("a[href]"):
        href = a["href"].split("#")[0]
        if not href or href.startswith(("http:", "https:", "mailto:")):
            continue
        out.add(os.path.normpath(base / href))
    return out


def entry_target(site: Path, path: Path) -> str:
    folder = path.parent.name
    return os.path.normpath(site / folder / path.stem)


def test_every_entry_has_its_page(built_site: Path):
    entries = sample_entries()
    assert len(entries) >= 40
    for entry_id, (path, meta) in entries.items():
        page = built_site / path.parent.name / path.stem / "index.html"
        assert page.is_file(), entry_id
        html = soup(page)
        assert html.select_one("h1").get_text() == f"{entry_id} {meta['title']}"
        card = html.select_one(".kb-card")
        assert card is not None and entry_id in card.get_text()


def test_every_entry_is_listed_where_it_belongs(built_site: Path):
    listings: dict[str, set[str]] = {}

    def listed(src: str) -> set[str]:
        if src not in listings:
            listings[src] = links_on(page_of(built_site, src))
        return listings[src]

    for entry_id, (path, meta) in sample_entries().items():
        target = entry_target(built_site, path)
        kind_index = f"{path.parent.name}/index.md"
        assert target in listed(kind_index), (entry_id, kind_index)
        products = [meta["product"]] if meta["kind"] == "defect" else meta["products"]
        for product in products:
            assert target in listed(f"products/{product}/index.md"), (entry_id, product)
        if meta["kind"] == "defect" and meta.get("component"):
            assert target in listed(f"products/{meta['product']}/{meta['component']}/index.md"), entry_id
        for tag in meta.get("tags", []):
            assert target in listed(f"tags/{tag}/index.md"), (entry_id, tag)
        assert target in listed(f"people/{meta['pm']}/index.md"), (entry_id, meta["pm"])


def test_index_tables_load_every_entry_from_json(built_site: Path):
    import json

    for kind in ("defect", "lesson"):
        data = json.loads((built_site / "assets" / "defectkb" / f"{kind}s.json").read_text(encoding="utf-8"))
        ids = {row[data["columns"].index("id")] for row in data["rows"]}
        assert ids == {i for i, (_, m) in sample_entries().items() if m["kind"] == kind}
        for row in data["rows"]:
            url = row[data["columns"].index("url")]
            assert (built_site / url / "index.html").is_file(), url
        # The HTML holds the JSON's first rows and names the version of them the JSON carries
        # (kb.js keeps those rows instead of drawing them again).
        table = soup(built_site / f"{kind}s" / "index.html").select_one(f"#kb-{kind}s")
        html_ids = [tr["data-id"] for tr in table.select("tbody tr")]
        assert html_ids == [row[data["columns"].index("id")] for row in data["rows"][:len(html_ids)]]
        assert table["data-version"] == data["version"] and len(data["version"]) == 16
        assert int(table["data-page"]) == PAGE_ROWS  # the script pages by what the HTML holds
    table = soup(built_site / "defects" / "index.html").select_one("#kb-defects")
    assert table["data-src"] == "../assets/defectkb/defects.json" and table["data-base"] == "../"


def test_long_lists_are_capped_with_a_link_to_the_filtered_index(kb_dir: Path, tmp_path: Path):
    config = tmp_path / "mkdocs.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8")
                      .replace("docs_dir: content", f"docs_dir: {kb_dir}")
                      .replace("  - defectkb ", "  - defectkb:\n      listing_limit: 1\n      search: none\n   "),
                      encoding="utf-8")
    result = mkdocs_build(config, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    page = soup(tmp_path / "site" / "products" / "billing" / "index.html")
    assert len(page.select("#kb-product-billing tbody tr")) == 1
    more = page.select_one(".kb-more")
    assert more.get_text().startswith("1 / 2") and more.select_one("a")["href"] == "../../defects/?product=billing"
    assert not (tmp_path / "site" / "pagefind").exists()


def _moment(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(12), tzinfo=UTC)


def _figures(page: BeautifulSoup) -> dict[str, str]:
    return {fig["data-key"]: fig.select_one(".kb-fig-value").get_text(" ", strip=True)
            for fig in page.select("#kb-person-figures .kb-fig")}


def test_pm_figures_match_an_independent_count(built_site: Path):
    people = yaml.safe_load((CONTENT / "_data" / "people.yml").read_text(encoding="utf-8"))
    entries = [meta for _, meta in sample_entries().values()]
    open_statuses = {"new", "analyzing", "fixing", "testing", "reopened", "deferred"}
    checked = 0
    for pid, person in people.items():
        if "pm" not in person["roles"]:
            continue
        owned = [m for m in entries if m["kind"] == "defect" and m["pm"] == pid]
        times = sorted((_moment(m["resolved_at"]) - _moment(m["reported_at"])).total_seconds() / 86400
                       for m in owned if m.get("resolved_at"))
        written = [m for m in entries if m["kind"] == "lesson" and pid in m["authors"]]
        expected = {
            "owned": str(len(owned)),
            "open_now": str(sum(1 for m in owned if m["status"] in open_statuses)),
            "escape_rate": f"{100 * sum(1 for m in owned if m['online']) / len(owned):.0f}%" if owned else "—",
            "reopen_rate": f"{100 * sum(1 for m in owned if m.get('reopen_count', 0) > 0) / len(owned):.0f}%"
            if owned else "—",
            "written": str(len(written)),
        }
        page = soup(built_site / "people" / pid / "index.html")
        got = _figures(page)
        for key, value in expected.items():
            assert got[key] == value, (pid, key, got[key], value)
        med = f"{statistics.median(times):.1f}" if times else "—"
        assert got["median_resolve"].split()[0] == med, (pid, got["median_resolve"], med)
        if times:
            p90 = times[max(1, -(-len(times) * 90 // 100)) - 1]
            assert got["p90_resolve"].split()[0] == f"{p90:.1f}"
        row = soup(built_site / "people" / "index.html").select_one(f'tr[data-person="{pid}"]')
        assert row is not None and row.select("td")[2].get_text() == expected["owned"]
        checked += 1
    assert checked >= 6


def test_entry_pages_stay_out_of_the_nav(built_site: Path):
    path, _ = next(iter(sample_entries().values()))
    page = soup(built_site / path.parent.name / path.stem / "index.html")
    nav_links = {a["href"] for a in page.select("nav.md-nav--primary a[href]")}
    assert not any("DEF-" in h or "LES-" in h for h in nav_links), nav_links
    assert len(nav_links) <= 12


def test_registries_are_not_published(built_site: Path):
    assert not (built_site / "_data").exists()
    people = yaml.safe_load((CONTENT / "_data" / "people.yml").read_text(encoding="utf-8"))
    emails = [p["email"] for p in people.values() if p.get("email")]
    assert emails
    for path in built_site.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".json", ".xml", ".yml"}:
            text = path.read_text(encoding="utf-8", errors="ignore")
            assert not [e for e in emails if e in text], path


@shared_build("english_site")
def english(folder: Path) -> list[SharedBuild]:
    config = folder / "mkdocs.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("language: zh", "language: en")
                      .replace("docs_dir: content", f"docs_dir: {CONTENT}"), encoding="utf-8")
    return [(config, ROOT, {})]


@pytest.fixture(scope="session")
def english_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample built with `language: en` (made with the session's other shared builds; read only)."""
    (site,) = shared_sites("english_site", request, tmp_path_factory)
    return site


def test_generated_pages_follow_language(built_site: Path, english_site: Path):
    assert soup(built_site / "defects" / "index.html").select_one("h1").get_text() == "全部缺陷"
    assert soup(english_site / "defects" / "index.html").select_one("h1").get_text() == "All defects"
    assert "How these figures are computed" in (english_site / "people" / "zhang.wei" / "index.html").read_text()


@pytest.fixture
def hostile_site(kb_dir: Path, tmp_path: Path) -> tuple[Path, subprocess.CompletedProcess[str]]:
    edit(kb_dir / DEFECT,
         ("title: 导出发票金额精度丢失，合计与明细相差 0.01 元", 'title: "<script>alert(1)</script> 导出 & <b>bold</b>"'),
         ("environment: \"staging", "environment: \"<img src=x onerror=alert(2)> staging"),
         ("## 影响范围 / Impact\n", "## 影响范围 / Impact\n\n`<script>alert(3)</script>` in code\n"
          "<kbd title=\"x\">Esc</kbd>\n"))
    edit(kb_dir / "_data" / "people.yml", ("name: 张伟", 'name: "<script>alert(6)</script>张伟"'))
    config = tmp_path / "mkdocs.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8")
                      .replace("docs_dir: content", f"docs_dir: {kb_dir}"), encoding="utf-8")
    site = tmp_path / "site"
    return site, mkdocs_build(config, site)


def test_hostile_text_renders_literally(hostile_site):
    site, result = hostile_site
    assert result.returncode == 0, result.stderr
    for path in site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        for n in range(1, 7):
            assert f"<script>alert({n})" not in html, (path, n)
        assert "onerror=alert" not in html.replace("onerror=alert(2)&gt;", ""), path
        assert "javascript:alert" not in html, path
        assert 'onclick="alert' not in html, path
    page = soup(site / "defects" / "DEF-0001-invoice-export-loses-cents" / "index.html")
    assert page.select_one("h1").get_text() == "DEF-0001 <script>alert(1)</script> 导出 & <b>bold</b>"
    assert page.title.get_text().startswith("DEF-0001 <script>alert(1)</script> 导出 & <b>bold</b>")
    assert "<img src=x onerror=alert(2)> staging" in page.select_one(".kb-card").get_text()
    pm = soup(site / "people" / "zhang.wei" / "index.html")
    assert pm.select_one("h1").get_text() == "<script>alert(6)</script>张伟"
    listing = soup(site / "tags" / "precision" / "index.html").get_text()
    assert "<script>alert(1)</script> 导出" in listing


def test_hostile_body_stops_the_build_at_its_lines(kb_dir: Path, tmp_path: Path):
    """Raw script and unsafe links in a body are errors at their lines (KB801/KB802), not silently dropped."""
    edit(kb_dir / DEFECT, ("## 影响范围 / Impact\n", "## 影响范围 / Impact\n\n<script>alert(3)</script>\n"
                                                  "[x](java&#9;script:alert(4))\n"))
    config = tmp_path / "mkdocs.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8")
                      .replace("docs_dir: content", f"docs_dir: {kb_dir}"), encoding="utf-8")
    result = mkdocs_build(config, tmp_path / "site", cwd=kb_dir)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output
    assert "DEF-0001-invoice-export-loses-cents.md:59:1: KB801 raw HTML `<script>` is not allowed" in output
    assert "DEF-0001-invoice-export-loses-cents.md:60:" in output and "KB802" in output


def test_build_sanitiser_is_a_second_line_of_defence():
    from defectkb.site.sanitize import clean_html

    dirty = ('<script>alert(3)</script><a href="javascript:alert(4)" onclick="alert(5)">click</a>'
             '<a href="java&#9;script:x">t</a><img src=x onerror=alert(2)><iframe src=//e></iframe><p>ok</p>')
    clean = clean_html(dirty)
    for bad in ("<script", "javascript", "onclick", "onerror", "<iframe"):
        assert bad not in clean, bad
    assert "<p>ok</p>" in clean and ">click</a>" in clean


def test_invalid_entry_fails_the_build_with_its_diagnostic(kb_dir: Path, tmp_path: Path):
    edit(kb_dir / DEFECT, ("severity: serious", "severity: critical"))
    config = tmp_path / "mkdocs.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8")
                      .replace("docs_dir: content", f"docs_dir: {kb_dir}"), encoding="utf-8")
    result = mkdocs_build(config, tmp_path / "site", cwd=kb_dir)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    expected = ("defects/DEF-0001-invoice-export-loses-cents.md:13:11: KB104 `severity` must be one of "
                "fatal, serious, normal, minor; got `critical`")
    assert expected in output
    validate = subprocess.run([sys.executable, "-m", "defectkb", "validate", "."], cwd=kb_dir, capture_output=True,
                              text=True, env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT)})
    assert expected in validate.stdout


def test_tables_list_entries_newest_first_by_date_then_id() -> None:
    """`SiteContext.newest_first` (ranks worked out once per build) orders as a plain sort would,
    for any subset, with repeats, and for entries of another load of the same files."""
    import random

    from defectkb.analytics import entry_date
    from defectkb.config import Config
    from defectkb.knowledgebase import load
    from defectkb.site.context import SiteContext

    kb = load(CONTENT, Config(), disk_cache=False)
    ctx = SiteContext(kb)

    def plain(entries: list) -> list:
        return sorted(entries, key=lambda e: (entry_date(e), e.id), reverse=True)

    rng = random.Random(7)
    for _ in range(20):
        subset = rng.sample(kb.entries, rng.randint(0, len(kb.entries)))
        subset += subset[:3]  # an entry listed twice keeps both places
        assert [e.id for e in ctx.newest_first(subset)] == [e.id for e in plain(subset)]
    other = load(CONTENT, Config(), disk_cache=False).entries  # not this context's objects
    assert [e.id for e in ctx.newest_first(other)] == [e.id for e in plain(other)]
    dates = [entry_date(e) for e in ctx.newest_first(kb.entries)]
    assert dates == sorted(dates, reverse=True) and len(set(dates)) > 5
