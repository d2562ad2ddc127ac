"""The header search box and the insights page in a real headless Chromium."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import SCREENSHOTS, Guard, full_page_screenshot, new_page

pytestmark = pytest.mark.browser


def test_slash_focuses_the_header_search_and_results_drop_down(page, site_url):
    page.goto(site_url + "products/billing/")
    box = page.locator("form.kb-header-search input")
    assert box.is_visible()
    page.locator("h1").click()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement === document.querySelector('form.kb-header-search input')")
    assert box.input_value() == ""  # the key focuses, it is not typed
    page.keyboard.type("幂等")
    results = page.locator(".kb-header-results a[role=option]")
    results.first.wait_for(timeout=15000)
    titles = " ".join(results.all_inner_texts())
    assert re.search(r"(DEF|LES)-\d{4}", titles), titles
    href = results.first.get_attribute("href")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.getAttribute('href')") == href
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/(defects|lessons)/"))


def test_s_key_and_enter_open_the_search_page(page, site_url):
    page.goto(site_url + "insights/")
    page.keyboard.press("s")
    page.keyboard.type("timezone")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=timezone"))
    page.wait_for_function(
        "() => /(DEF|LES)-\\d{4}/.test(document.querySelector('.pagefind-ui__results')?.innerText || '')",
        timeout=15000)


def test_typing_in_a_filter_does_not_jump_to_search(page, site_url):
    page.goto(site_url + "defects/")
    page.wait_for_selector("#kb-defects[data-kb-ready]")
    field = page.locator('form.kb-filters input[name="q"]')
    field.click()
    page.keyboard.type("s/")
    assert field.input_value() == "s/"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_chart_text_follows_the_scheme(browser, site_url, scheme):
    guard = Guard()
    page = new_page(browser, guard, scheme=scheme)
    page.goto(site_url + "insights/")
    text_fill = page.evaluate("getComputedStyle(document.querySelector('#fig-flow svg text')).fill")
    body = page.evaluate("getComputedStyle(document.querySelector('.md-typeset')).color")
    assert text_fill == body  # currentColor: readable on white and on slate
    page.context.close()
    guard.check()


def test_insights_screenshots_and_phone_layout(browser, site_url):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, width, height, scheme in (("desktop-light", 1280, 900, "light"), ("desktop-dark", 1280, 900, "dark"),
                                        ("phone-light", 390, 844, "light")):
        guard = Guard()
        page = new_page(browser, guard, width=width, height=height, scheme=scheme)
        for shot, path in (("insights", "insights/"), ("digest", "digests/2026-11/")):
            page.goto(site_url + path)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, (shot, name, overflow)
            chart = page.locator("#fig-flow svg") if shot == "insights" else None
            if chart is not None:
                box = chart.bounding_box()
                assert box and box["width"] <= width and box["width"] > min(300, width - 60)
            target = SCREENSHOTS / f"{shot}-{name}.png"
            full_page_screenshot(page, target)
            written.append(target)
        page.context.close()
        guard.check()
    assert all(p.stat().st_size > 10_000 for p in written)
