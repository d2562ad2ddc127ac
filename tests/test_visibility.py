"""A public build leaks nothing internal: no page, listing, figure, feed, data file, search record
or sitemap line carries an internal entry, or a person or product named only by internal entries.

What is internal is worked out here from plain YAML, not with `kb` code.
"""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest
import yaml
from conftest import CONTENT, ROOT, SharedBuild, mkdocs_build, shared_build, shared_sites


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("\n---", 1)[0].removeprefix("---\n"))


def sample() -> list[tuple[Path, dict]]:
    return [(p, front_matter(p)) for folder in ("defects", "lessons") for p in sorted((CONTENT / folder).glob("*.md"))]


def named(meta: dict) -> tuple[set[str], set[str]]:
    people = {meta["pm"], *(meta.get(k) for k in ("reporter", "assignee", "verifier")), *meta.get("authors", []),
              *meta.get("reviewers", []), *(a.get("owner") for a in meta.get("action_items", []))}
    products = {meta.get("product"), *meta.get("products", []), *meta.get("applies_to", [])}
    return {p for p in people if p}, {p for p in products if p}


@shared_build("public_site")
def public(folder: Path) -> list[SharedBuild]:
    config = folder / "mkdocs.yml"
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8").replace("docs_dir: content", f"docs_dir: {CONTENT}")
    config.write_text("site_url: https://kb.example.com/\n" + text, encoding="utf-8")
    return [(config, folder, {"DEFECTKB_AUDIENCE": "public"})]


@pytest.fixture(scope="session")
def public_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample built for the public audience (made with the session's other shared builds; read only)."""
    (site,) = shared_sites("public_site", request, tmp_path_factory)
    return site


def all_text(site: Path) -> dict[str, str]:
    """Every output file as text; gzip-compressed files (search fragments, sitemap.xml.gz) unpacked."""
    out = {}
    for path in site.rglob("*"):
        if not path.is_file():
            continue
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        out[str(path.relative_to(site))] = data.decode("utf-8", errors="replace")
    return out


def test_public_build_leaks_no_internal_entry(public_site: Path) -> None:
    entries = sample()
    public = [(p, m) for p, m in entries if m.get("visibility") == "public"]
    internal = [(p, m) for p, m in entries if m.get("visibility") != "public"]
    assert public and internal, "the sample has both kinds"
    texts = all_text(public_site)
    assert any(name.startswith("pagefind/fragment/") for name in texts), "the search index was built"
    for path, meta in internal:
        slug = path.stem
        for name, text in texts.items():
            assert meta["title"] not in text, f"title of internal {meta['id']} in {name}"
            assert slug not in text, f"link or path of internal {meta['id']} in {name}"
    for path, meta in public:
        assert (public_site / path.parent.name / path.stem / "index.html").is_file(), meta["id"]
    api = json.loads((public_site / "api/entries.json").read_text(encoding="utf-8"))
    ids = {e["id"] for e in api["entries"]}
    assert ids == {m["id"] for _, m in public}


def test_people_and_products_only_in_internal_entries_do_not_appear(public_site: Path) -> None:
    registry = yaml.safe_load((CONTENT / "_data/people.yml").read_text(encoding="utf-8"))
    products = yaml.safe_load((CONTENT / "_data/products.yml").read_text(encoding="utf-8"))
    seen_people: set[str] = set()
    seen_products: set[str] = set()
    for _, meta in sample():
        if meta.get("visibility") == "public":
            people, prods = named(meta)
            seen_people |= people
            seen_products |= prods
    hidden_people = set(registry) - seen_people
    assert hidden_people, "the sample has people who appear in internal entries only"
    texts = all_text(public_site)
    for pid in hidden_people:
        name = registry[pid]["name"]
        assert not (public_site / "people" / pid).exists(), pid
        for file, text in texts.items():
            assert f"people/{pid}/" not in text and name not in text, f"{pid} ({name}) in {file}"
    for product in set(products) - seen_products:
        assert not (public_site / "products" / product).exists(), product


def test_links_to_internal_entries_are_plain_text(public_site: Path) -> None:
    entries = {m["id"]: (p, m) for p, m in sample()}
    crossing = [(m, rid) for _, m in entries.values() if m.get("visibility") == "public"
                for rid in m.get("related_lessons", []) + m.get("source_defects", []) + m.get("related_defects", [])
                if entries[rid][1].get("visibility") != "public"]
    assert crossing, "the sample links a public entry to an internal one"
    meta, target = crossing[0]
    folder = "defects" if meta["kind"] == "defect" else "lessons"
    page = next((public_site / folder).glob(f"{meta['id']}-*/index.html")).read_text(encoding="utf-8")
    assert target in page, "the reference stays readable"
    assert entries[target][0].stem not in page, "but is not a link"


def test_figures_say_they_count_public_entries_only(public_site: Path) -> None:
    for page in ("index.html", "people/index.html", "insights/index.html"):
        assert "所有数字只统计公开条目" in (public_site / page).read_text(encoding="utf-8"), page
    stats = json.loads((public_site / "api/stats.json").read_text(encoding="utf-8"))
    public_defects = sum(1 for _, m in sample() if m["kind"] == "defect" and m.get("visibility") == "public")
    assert json.dumps(stats).count(str(public_defects)) >= 1


def test_unknown_audience_is_a_clear_error(tmp_path: Path) -> None:
    config = tmp_path / "mkdocs.yml"
    config.write_text((ROOT / "mkdocs.yml").read_text(encoding="utf-8")
                      .replace("docs_dir: content", f"docs_dir: {CONTENT}"), encoding="utf-8")
    os.environ["DEFECTKB_AUDIENCE"] = "everyone"
    try:
        result = mkdocs_build(config, tmp_path / "site", cwd=tmp_path)
    finally:
        del os.environ["DEFECTKB_AUDIENCE"]
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert "DEFECTKB_AUDIENCE='everyone': the audience is one of internal, public" in result.stderr


def test_export_for_the_public_audience() -> None:
    import subprocess
    import sys

    public = {m["id"] for _, m in sample() if m.get("visibility") == "public"}
    out = subprocess.run([sys.executable, "-m", "defectkb", "export", "--format", "jsonl", "--audience", "public"],
                         cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert {json.loads(line)["id"] for line in out.splitlines() if line.strip()} == public
