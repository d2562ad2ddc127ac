"""Insights pages, charts and api/stats.json of the real sample build, and `kb stats`.

The figures are recomputed here from plain YAML (no `kb` code), so a bug in
defectkb.insights cannot hide behind the same bug in the test.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import jsonschema
import pytest
import yaml
from bs4 import BeautifulSoup
from conftest import CONTENT, ROOT

SEVERE = {"fatal", "serious"}


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("\n---", 1)[0].removeprefix("---\n"))


def sample(kind: str) -> list[dict]:
    folder = "defects" if kind == "defect" else "lessons"
    return [front_matter(p) for p in sorted((CONTENT / folder).glob("*.md"))]


def day_of(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def month_of(value: date | datetime) -> str:
    return day_of(value).strftime("%Y-%m")


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def stats_json(site: Path) -> dict:
    return json.loads((site / "api" / "stats.json").read_text(encoding="utf-8"))


def expected_pareto(values: list[str]) -> list[dict]:
    counts = sorted(Counter(values).items(), key=lambda kv: (-kv[1], kv[0]))
    total, running, out = sum(n for _, n in counts), 0, []
    for key, n in counts:
        running += n
        out.append({"key": key, "count": n, "cumulative": round(running / total, 4)})
    return out


def test_reported_and_resolved_per_month(built_site: Path):
    defects = sample("defect")
    reported: dict[str, Counter] = {}
    resolved: dict[str, Counter] = {}
    for d in defects:
        reported.setdefault(month_of(d["reported_at"]), Counter())[d["severity"]] += 1
        if d.get("resolved_at"):
            resolved.setdefault(month_of(d["resolved_at"]), Counter())[d["severity"]] += 1
    fig = stats_json(built_site)["figures"]["all"]
    assert fig["defects"] == len(defects)
    assert fig["reported"] == {m: dict(c) for m, c in reported.items()}
    assert fig["resolved"] == {m: dict(c) for m, c in resolved.items()}
    # the chart's data table and CSV carry the same numbers
    page = soup(built_site / "insights" / "index.html")
    rows = [[td.get_text() for td in tr.select("td")] for tr in page.select("#fig-flow details table tbody tr")]
    assert sum(int(r[2]) for r in rows) == len(defects)
    assert sum(int(r[3]) for r in rows) == sum(1 for d in defects if d.get("resolved_at"))
    href = page.select_one("#fig-flow details a[download]")["href"]
    data = list(csv.reader(io.StringIO((built_site / "insights" / href).resolve().read_text(encoding="utf-8"))))
    assert data[1:] == rows


def test_pareto_of_defect_types_and_root_causes(built_site: Path):
    fig = stats_json(built_site)["figures"]["all"]
    types = [d["defect_type"] for d in sample("defect") if d.get("defect_type")]
    assert fig["defect_types"] == expected_pareto(types)
    assert fig["unclassified"] == sum(1 for d in sample("defect") if not d.get("defect_type"))
    assert fig["causes"] == expected_pareto([le["cause_category"] for le in sample("lesson")])
    assert fig["defect_types"][-1]["cumulative"] == 1.0


def test_escape_rate_per_month(built_site: Path):
    per_month: dict[str, list[int]] = {}
    for d in sample("defect"):
        cell = per_month.setdefault(month_of(d["reported_at"]), [0, 0])
        cell[0] += bool(d["online"])
        cell[1] += 1
    fig = stats_json(built_site)["figures"]["all"]
    assert fig["escapes"] == {m: {"online": o, "reported": n, "rate": round(o / n, 4)} for m, (o, n) in per_month.items()}
    page = soup(built_site / "insights" / "index.html")
    table = {tr.select("td")[0].get_text(): tr.select("td")[3].get_text()
             for tr in page.select("#fig-escapes details table tbody tr")}
    assert table == {m: f"{100 * o / n:.0f}%" for m, (o, n) in per_month.items()}


def test_lesson_coverage(built_site: Path):
    defects, lessons = sample("defect"), sample("lesson")
    cited = {d for le in lessons for d in le.get("source_defects") or []}
    needed = [d for d in defects if (d["severity"] in SEVERE or d["online"]) and d["status"] != "rejected"]
    uncovered = sorted(d["id"] for d in needed if not d.get("related_lessons") and d["id"] not in cited)
    cov = stats_json(built_site)["figures"]["all"]["coverage"]
    assert cov["needed"] == len(needed) and cov["uncovered"] == uncovered
    assert cov["covered"] == len(needed) - len(uncovered)
    page = soup(built_site / "insights" / "index.html")
    tile = page.select_one('#kb-insight-figures .kb-fig[data-key="coverage"] .kb-fig-value').get_text()
    assert tile == f"{100 * (len(needed) - len(uncovered)) / len(needed):.0f}%"
    listed = {a.get_text().split(" ")[0] for a in page.select(".kb-uncovered a")}
    assert listed == set(uncovered)


def test_product_and_department_scopes(built_site: Path):
    doc = stats_json(built_site)
    defects = sample("defect")
    people = yaml.safe_load((CONTENT / "_data" / "people.yml").read_text(encoding="utf-8"))
    for key, fig in doc["figures"]["products"].items():
        assert fig["defects"] == sum(1 for d in defects if d["product"] == key)
        assert (built_site / "insights" / "products" / key / "index.html").is_file()
    quality = "质量部 Quality"
    members = {pid for pid, p in people.items() if p.get("department") == quality}
    involved = [d for d in defects if members & {d["pm"], d["reporter"], d.get("assignee"), d.get("verifier")}]
    fig = doc["figures"]["departments"]["质量部-quality"]
    assert fig["scope"]["name"] == quality and fig["defects"] == len(involved) > 0
    assert (built_site / "insights" / "departments" / "质量部-quality" / "index.html").is_file()


def test_found_vs_injected_matrix(built_site: Path):
    cells = Counter((d["found_phase"], d["injected_phase"]) for d in sample("defect") if d.get("injected_phase"))
    fig = stats_json(built_site)["figures"]["all"]
    assert {(c["found"], c["injected"]): c["count"] for c in fig["phases"]} == dict(cells)


def test_charts_are_accessible_static_svg(built_site: Path):
    page = soup(built_site / "insights" / "index.html")
    figures = page.select("figure.kb-figure")
    assert len(figures) >= 8
    for fig in figures:
        svg = fig.select_one(".kb-chart svg")
        assert svg is not None and svg.get("role") == "img" and svg.get("width") == "100%"
        title, desc = svg.select_one("title"), svg.select_one("desc")
        assert title is not None and title.get_text().strip() and desc is not None and desc.get_text().strip()
        assert set(svg["aria-labelledby"].split()) == {title["id"], desc["id"]}
        assert fig.select_one("details table tbody tr") is not None  # the data beside the chart
        assert fig.select_one("figcaption").get_text().strip()  # its definition
    html = (built_site / "insights" / "index.html").read_text(encoding="utf-8")
    article = html[html.index("<article"):html.index("</article>")]
    assert "<script" not in article and "http://" not in article.replace("http://www.w3.org", "")
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "chart ids collide"
    # the home and PM pages use the same machinery
    home = soup(built_site / "index.html")
    assert home.select_one("#fig-mix svg title") is not None
    pm = soup(built_site / "people" / "zhang.wei" / "index.html")
    assert pm.select_one("#fig-activity svg desc") is not None and pm.select_one("svg.kb-chart") is None


def test_reading_list_on_product_and_home_pages(built_site: Path):
    lessons = {le["id"]: le for le in sample("lesson")}
    cites: dict[str, set[str]] = {}
    for d in sample("defect"):
        for lid in d.get("related_lessons") or []:
            cites.setdefault(lid, set()).add(d["id"])
    for le in lessons.values():
        for did in le.get("source_defects") or []:
            cites.setdefault(le["id"], set()).add(did)
        if le.get("supersedes"):
            cites.setdefault(le["supersedes"], set()).add(le["id"])
    page = soup(built_site / "products" / "billing" / "index.html")
    box = page.select_one('.kb-reading-list[data-product="billing"]')
    first = box.select_one("ol.kb-reading li a").get_text().split(" ")[0]
    readable = [lid for lid, le in lessons.items() if "billing" in le["products"]
                and le["status"] in ("published", "applied")]
    assert len(cites.get(first, ())) == max(len(cites.get(lid, ())) for lid in readable)
    closed = box.select("ol.kb-reading")[1].select(".kb-badge")
    assert closed and closed[0].get_text() in ("致命", "严重")
    assert soup(built_site / "index.html").select_one("#reading-list") is not None


def test_api_stats_validates_against_documented_schema(built_site: Path):
    text = (ROOT / "docs" / "api-stats.md").read_text(encoding="utf-8")
    schema = json.loads(re.search(r"```json\n(.*?)```", text, re.S).group(1))
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    doc = stats_json(built_site)
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(doc)]
    assert not errors, errors[:5]
    assert doc["version"] == 1 and set(doc["people"]) >= {"zhang.wei", "li.na"}
    bad = json.loads(json.dumps(doc))
    bad["figures"]["all"]["escape_rate"] = 2
    assert list(validator.iter_errors(bad)), "the schema must reject a rate above 1"


def kb_stats(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "defectkb", "stats", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)


def test_kb_stats_json_filters():
    defects = sample("defect")
    result = kb_stats("--product", "billing", "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["version"] == 1 and data["filters"]["product"] == "billing"
    assert data["figures"]["defects"] == sum(1 for d in defects if d["product"] == "billing")
    result = kb_stats("--pm", "zhang.wei", "--period", "2026-Q4", "--format", "json")
    data = json.loads(result.stdout)
    owned = [d for d in defects if d["pm"] == "zhang.wei"]
    assert data["person"]["owned_defects"] == len(owned)
    q4 = sorted(d["id"] for d in owned if day_of(d["reported_at"]) >= date(2026, 10, 1)
                and day_of(d["reported_at"]) <= date(2026, 12, 31))
    assert data["digest"] is None if not q4 else sorted(data["digest"]["new_defects"]) == q4


def test_kb_stats_text_is_a_table_and_errors_are_usage_errors():
    result = kb_stats("--department", "质量部 Quality", "--format", "text")
    assert result.returncode == 0, result.stderr
    assert "department=质量部 Quality" in result.stdout and "lesson coverage" in result.stdout
    assert not result.stdout.lstrip().startswith("{")
    assert re.search(r"defects\s*[│|]\s+\d+", result.stdout)
    piped = kb_stats()  # not a terminal: JSON by default
    assert json.loads(piped.stdout)["figures"]["scope"]["kind"] == "all"
    for args, needle in ((["--period", "2026-13"], "not a period"), (["--product", "nope"], "unknown product"),
                         (["--department", "Sales"], "unknown department")):
        bad = kb_stats(*args)
        assert bad.returncode == 2 and needle in bad.stderr and "Traceback" not in bad.stderr


@pytest.mark.parametrize("name", ["insights/index.html", "digests/index.html"])
def test_insights_and_digests_are_in_the_nav(built_site: Path, name: str):
    nav = [a.get("href", "") for a in soup(built_site / "index.html").select(".md-tabs a")]
    assert any(h.rstrip("/").endswith(name.split("/")[0]) for h in nav), nav
