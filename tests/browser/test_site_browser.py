"""The built sample site in a real headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from conftest import CONTENT

from .conftest import SCREENSHOTS, Guard, full_page_screenshot, new_page

pytestmark = pytest.mark.browser


def _entries() -> list[dict]:
    out = []
    for folder in ("defects", "lessons"):
        for path in sorted((CONTENT / folder).glob("*.md")):
            text = path.read_text(encoding="utf-8")
            out.append(yaml.safe_load(text.split("\n---", 1)[0].removeprefix("---\n")))
    return out


def visible_ids(page, table: str) -> list[str]:
    return page.eval_on_selector_all(f"#{table} tbody tr:not([hidden])",
                                     "els => els.map(e => e.getAttribute('data-id'))")


def test_home_shows_figures(page, site_url):
    page.goto(site_url)
    defects = [e for e in _entries() if e["kind"] == "defect"]
    figures = page.locator("#kb-summary .kb-fig")
    assert figures.count() == 6
    value = page.locator('#kb-summary .kb-fig[data-key="defects"] .kb-fig-value').inner_text()
    assert value == str(len(defects))
    assert page.locator("#kb-latest tbody tr").count() == 10


def test_defects_table_sorts_and_filters_with_state_in_url(page, site_url):
    defects = [e for e in _entries() if e["kind"] == "defect"]
    page.goto(site_url + "defects/")
    page.wait_for_selector("#kb-defects[data-kb-ready]")
    assert len(visible_ids(page, "kb-defects")) == len(defects)
    assert drawn_by_script(page) == 0, "the first page of the HTML is what the JSON holds: its rows are kept"

    page.click('#kb-defects th[data-col="severity"] button')
    assert drawn_by_script(page) == len(defects)
    first = page.locator("#kb-defects tbody tr").first.get_attribute("data-severity")
    assert first == "fatal"
    page.click('#kb-defects th[data-col="severity"] button')
    assert page.locator("#kb-defects tbody tr").first.get_attribute("data-severity") == "minor"

    page.select_option('form.kb-filters select[name="severity"]', "serious")
    expected = sorted(e["id"] for e in defects if e["severity"] == "serious")
    assert sorted(visible_ids(page, "kb-defects")) == expected
    assert "severity=serious" in page.url

    pm = next(e["pm"] for e in defects if e["severity"] == "serious")
    page.select_option('form.kb-filters select[name="pm"]', pm)
    expected = sorted(e["id"] for e in defects if e["severity"] == "serious" and e["pm"] == pm)
    assert sorted(visible_ids(page, "kb-defects")) == expected

    page.click("form.kb-filters button[type=reset]")
    tag = "timezone"
    page.select_option('form.kb-filters select[name="tag"]', tag)
    expected = sorted(e["id"] for e in defects if tag in e.get("tags", []))
    assert expected and sorted(visible_ids(page, "kb-defects")) == expected

    page.fill('form.kb-filters input[name="q"]', "DST")
    expected_text = {i for i in expected if "dst" in next(e for e in defects if e["id"] == i)["title"].lower()}
    assert expected_text and set(visible_ids(page, "kb-defects")) == expected_text

    page.reload()
    page.wait_for_selector("#kb-defects[data-kb-ready]")
    assert page.input_value('form.kb-filters select[name="tag"]') == tag
    assert page.input_value('form.kb-filters input[name="q"]') == "DST"
    assert set(visible_ids(page, "kb-defects")) == expected_text
    assert "sort=severity%3Adesc" in page.url or "sort=severity:desc" in page.url
    assert page.locator('#kb-defects th[data-col="severity"]').get_attribute("aria-sort") == "descending"


def drawn_by_script(page) -> int:
    """Rows kb.js drew from the JSON (the HTML's rows carry data-text; the script's do not)."""
    return page.eval_on_selector_all("#kb-defects tbody tr", "els => els.filter(e => !e.hasAttribute('data-text')).length")


def test_index_rows_of_another_version_are_drawn_again(page, site_url):
    def other_version(route):
        body = route.fetch().json()
        route.fulfill(json={**body, "version": "0" * 16})

    page.route("**/assets/defectkb/defects.json", other_version)
    page.goto(site_url + "defects/")
    page.wait_for_selector("#kb-defects[data-kb-ready]")
    assert drawn_by_script(page) == page.locator("#kb-defects tbody tr").count() > 0


def test_index_pages_by_the_size_the_html_names(page, site_url):
    def two_a_page(route):
        response = route.fetch()
        route.fulfill(response=response, body=re.sub(r'data-page="\d+"', 'data-page="2"', response.text()))

    page.route(re.compile(r".*/defects/$"), two_a_page)
    page.goto(site_url + "defects/")
    page.wait_for_selector("#kb-defects[data-kb-ready]")
    total = len([e for e in _entries() if e["kind"] == "defect"])
    page.click(".kb-pager button[aria-label='next page']")
    assert page.locator("#kb-defects tbody tr").count() == 2
    assert page.locator(".kb-pager .kb-page").inner_text() == f"2 / {-(-total // 2)}"


def test_tag_and_product_pages_list_the_right_entries(page, site_url):
    entries = _entries()
    page.goto(site_url + "tags/precision/")
    listed = set(re.findall(r"(?:DEF|LES)-\d{4}", page.locator("article").inner_text()))
    assert listed == {e["id"] for e in entries if "precision" in e.get("tags", [])}
    page.goto(site_url + "products/billing/")
    ids = set(visible_ids(page, "kb-product-billing"))
    expected = {e["id"] for e in entries if (e.get("product") == "billing" or "billing" in e.get("products", []))}
    assert ids == expected


def test_entry_tables_out_of_view_are_drawn_when_scrolled_to(page, site_url):
    page.goto(site_url + "people/zhang.wei/")
    last = page.locator(".kb-deferred").last
    row = last.locator("tbody tr").first
    drawn = "e => e.checkVisibility({contentVisibilityAuto: true})"
    assert not row.evaluate(drawn), "a list below the charts is laid out before it comes into view"
    assert "DEF-" in last.text_content() or "LES-" in last.text_content()  # in the page all the same
    row.scroll_into_view_if_needed()
    page.wait_for_function(f"() => ({drawn})([...document.querySelectorAll('.kb-deferred tbody tr')].pop())")
    box = row.bounding_box()
    assert box and box["height"] > 10
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('.kb-deferred')).contentVisibility") == "visible"


def test_people_overview_sorts(page, site_url):
    page.goto(site_url + "people/")
    head = page.locator("#kb-people th").nth(2).locator("button")
    head.click()
    head.click()  # descending
    counts = page.eval_on_selector_all("#kb-people tbody tr td:nth-child(3)", "els => els.map(e => +e.textContent)")
    assert counts == sorted(counts, reverse=True) and counts[0] > 0


def test_pm_page_shows_figures_and_chart(page, site_url):
    page.goto(site_url + "people/zhang.wei/")
    assert page.locator("#kb-person-figures .kb-fig").count() == 8
    chart = page.locator("#fig-activity svg")
    assert chart.is_visible()
    assert page.locator("#fig-activity svg path").count() > 0
    assert page.locator("#fig-activity svg title").text_content()
    box = chart.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 50


def _wait_for_result(page, expected: str) -> None:
    """Pagefind first shows placeholder rows and fills each title in as its fragment arrives:
    wait until `expected` (an entry id) is among the titles, or fail after 15 s."""
    page.wait_for_function(
        "(id) => [...document.querySelectorAll('.pagefind-ui__result-title')].some(t => t.innerText.includes(id))",
        arg=expected, timeout=15000)


def _search(page, site_url: str, query: str, expected: str) -> str:
    page.goto(site_url + "search/")
    page.fill(".pagefind-ui__search-input", query)
    _wait_for_result(page, expected)
    return " ".join(page.locator(".pagefind-ui__result-title").all_inner_texts())


def test_search_finds_english_and_chinese_words(page, site_url):
    assert "DEF-0032" in _search(page, site_url, "Zahlungspflichtig", "DEF-0032")
    # 价税合计 appears in DEF-0001's body only, not in its title.
    assert "价税合计" not in (CONTENT / "defects" / "DEF-0001-invoice-export-loses-cents.md").read_text(
        encoding="utf-8").split("\n---", 1)[0]
    assert "DEF-0001" in _search(page, site_url, "价税合计", "DEF-0001")


def test_search_query_in_url_and_loaded_bytes(page, site_url):
    sizes: list[int] = []
    page.on("response", lambda r: sizes.append(len(r.body())) if "/pagefind/" in r.url else None)
    page.goto(site_url + "search/?q=" + "幂等")
    _wait_for_result(page, "LES-0003")
    assert "LES-0003" in page.locator(".pagefind-ui__results").inner_text()
    assert 0 < sum(sizes) < 2_000_000


def _contrast(page, selector: str) -> float:
    return page.evaluate(
        """sel => {
          const el = document.querySelector(sel);
          const parse = c => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
          const lum = rgb => { const v = rgb.map(x => { x /= 255; return x <= 0.03928 ? x / 12.92
                                  : Math.pow((x + 0.055) / 1.055, 2.4); });
                               return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
          let bg = null, node = el;
          while (node && node.nodeType === 1) {
            const c = getComputedStyle(node).backgroundColor;
            if (c && !c.endsWith(', 0)') && c !== 'transparent') { bg = c; break; }
            node = node.parentElement;
          }
          const a = lum(parse(getComputedStyle(el).color)), b = lum(parse(bg || 'rgb(255,255,255)'));
          return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
        }""", selector)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_schemes_are_readable(browser, site_url, scheme):
    guard = Guard()
    page = new_page(browser, guard, scheme=scheme)
    page.goto(site_url + "defects/DEF-0001-invoice-export-loses-cents/")
    for selector in (".kb-meta dd", ".kb-meta dt", "article p", ".kb-badge.kb-severity-serious", "h1"):
        ratio = _contrast(page, selector)
        assert ratio >= 4.5, (scheme, selector, ratio)
    page.context.close()
    guard.check()


MAIN_PAGES = ["", "defects/", "lessons/", "defects/DEF-0001-invoice-export-loses-cents/", "tags/", "tags/precision/",
              "people/", "people/zhang.wei/", "products/billing/", "search/?q=幂等"]


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_phone_width_never_scrolls_sideways(browser, site_url, path):
    guard = Guard()
    page = new_page(browser, guard, width=390, height=844)
    page.goto(site_url + path)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, (path, overflow)
    page.context.close()
    guard.check()


SHOTS = [("home", ""), ("entry", "defects/DEF-0001-invoice-export-loses-cents/"), ("defects", "defects/"),
         ("tag", "tags/timezone/"), ("people", "people/"), ("pm", "people/zhang.wei/"), ("search", "search/?q=幂等")]


def test_screenshots(browser, site_url):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for width, device in ((1280, "desktop"), (390, "phone")):
        for scheme in ("light", "dark"):
            guard = Guard()
            page = new_page(browser, guard, width=width, height=900 if device == "desktop" else 844, scheme=scheme)
            for name, path in SHOTS:
                page.goto(site_url + path)
                target = SCREENSHOTS / f"{name}-{device}-{scheme}.png"
                full_page_screenshot(page, target)
                written.append(target)
            page.context.close()
            guard.check()
    assert all(p.stat().st_size > 10_000 for p in written)
    print(f"\nscreenshots: {SCREENSHOTS}")
