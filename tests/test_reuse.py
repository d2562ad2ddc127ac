"""The preview keeps MkDocs' lists of the docs folder's and the theme's files between rebuilds
(plugins/reuse.py): what it hands out must be what MkDocs would make, after any change."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from defectkb import loader
from defectkb.mkdocs_plugin import incremental, reuse
from mkdocs.commands import build as mkdocs_build
from mkdocs.config import load_config


@pytest.fixture
def preview() -> Iterator[None]:
    incremental.enable(serving=True, dirty=True)
    try:
        yield
    finally:
        incremental.enable(serving=False, dirty=False)


def _age(folder: Path) -> None:
    """As if the last change under `folder` was a minute ago (older than the racy window)."""
    back = loader.RACY_NS // 1_000_000_000 + 60
    for directory, _dirs, _files in os.walk(folder):
        st = os.stat(directory)
        os.utime(directory, (st.st_atime - back, st.st_mtime - back))


def _facts(files: Any) -> list[tuple[Any, ...]]:
    return [(f.src_uri, f.dest_uri, f.url, f.abs_src_path, f.inclusion, f.page) for f in files]


def test_the_kept_file_lists_are_what_mkdocs_makes_after_every_change(tmp_path: Path, preview: None) -> None:
    docs = tmp_path / "docs"
    for name in ["index.md", "sub/b.md", "sub/img.png"]:
        (docs / name).parent.mkdir(parents=True, exist_ok=True)
        (docs / name).write_text("x\n", encoding="utf-8")
    config_file = tmp_path / "mkdocs.yml"
    config_file.write_text("site_name: t\ntheme: {name: material}\n", encoding="utf-8")
    assert reuse.install(), "this MkDocs is not the one the preview's shortcuts are written for"

    def both(extra: dict[str, Any] | None = None) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
        config = load_config(str(config_file), **(extra or {}))
        kept = mkdocs_build.get_files(config)
        kept.add_files_from_theme(config.theme.get_env(), config)
        assert reuse._real_get_files is not None and reuse._real_add_theme is not None
        made = reuse._real_get_files(config)
        reuse._real_add_theme(made, config.theme.get_env(), config)
        return _facts(kept), _facts(made)

    kept, made = both()
    assert kept == made and reuse._docs is None  # just written: too recent to be kept
    _age(docs)
    kept, made = both()
    assert kept == made and reuse._docs is not None and reuse._theme is not None
    # Handed out as copies: what a build changes on its files is not seen by the next build.
    config = load_config(str(config_file))
    files = mkdocs_build.get_files(config)
    files.add_files_from_theme(config.theme.get_env(), config)
    for file in files:
        file.page = "changed by a build"  # type: ignore[assignment]
    kept, made = both()
    assert kept == made and all(fact[-1] is None for fact in kept)
    theme_asset = next(fact[0] for fact in made if fact[0].startswith("assets/") and fact[0].endswith(".png"))

    # A new file deep down, one that replaces a theme asset, a removal, another exclusion: each seen.
    (docs / "sub" / "deeper").mkdir()
    (docs / "sub" / "deeper" / "c.md").write_text("x\n", encoding="utf-8")
    kept, made = both()
    assert kept == made and "sub/deeper/c.md" in [fact[0] for fact in kept]
    _age(docs)
    (docs / theme_asset).parent.mkdir(parents=True, exist_ok=True)
    (docs / theme_asset).write_bytes(b"png")
    kept, made = both()
    assert kept == made and [fact[3] for fact in kept if fact[0] == theme_asset] == [str(docs / theme_asset)]
    _age(docs)
    both()
    (docs / "sub" / "b.md").unlink()
    kept, made = both()
    assert kept == made and "sub/b.md" not in [fact[0] for fact in kept]
    _age(docs)
    both()
    kept, made = both({"exclude_docs": "*.png\n"})
    assert kept == made and [fact[4].is_included() for fact in kept if fact[0] == "sub/img.png"] == [False]


def test_outside_a_preview_mkdocs_makes_its_own_lists(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("x\n", encoding="utf-8")
    (tmp_path / "mkdocs.yml").write_text("site_name: t\n", encoding="utf-8")
    _age(docs)
    reuse.install()
    reuse.stop()
    config = load_config(str(tmp_path / "mkdocs.yml"))
    assert [f.src_uri for f in mkdocs_build.get_files(config)] == ["index.md"]
    assert reuse._docs is None


def test_page_urls_and_dates_are_what_mkdocs_works_out(tmp_path: Path, preview: None) -> None:
    """The preview's shortcuts for a page's canonical URL and build date agree with MkDocs' own
    for plain URLs and bases, and leave everything else to MkDocs."""
    from mkdocs.structure.files import File
    from mkdocs.structure.pages import Page

    assert reuse.install()
    assert reuse._real_canonical is not None and reuse._real_build_date is not None
    bases = ["http://127.0.0.1:8000/", "http://127.0.0.1:8000", "https://kb.example.com/mount/", "https://h/a/b",
             "https://h/./x/", "https://h//x/", "https://h/x/?q=1", "https://h/x/#f", "/relative/", "", None]
    urls = ["", "defects/DEF-1/", "defects/DEF-1/index.html", "a%20b/", "人员/张三/", "../up/", "./here/", "a/../b/",
            "a//b/", "/abs/", "mailto:x", "a?b", "a#b", "a;b", "http://other/x"]
    fast = 0
    for base in bases:
        for url in urls:
            page, twin = object.__new__(Page), object.__new__(Page)
            page.file = twin.file = SimpleNamespace(url=url)  # type: ignore[assignment]  # Page.url reads it
            try:
                reuse._real_canonical(twin, base)
            except Exception as exc:  # whatever MkDocs does, the shortcut must do too
                with pytest.raises(type(exc)):
                    reuse.set_canonical_url(page, base)
                continue
            reuse.set_canonical_url(page, base)
            assert (page.canonical_url, page.abs_url) == (twin.canonical_url, twin.abs_url), (base, url)
            fast += reuse._plain(url) and bool(base) and reuse._base_path(base) is not None
    assert fast >= 20  # the shortcut itself was taken, not only MkDocs' method
    assert reuse._base_path("https://h/./x/") is None and reuse._base_path("https://h/x/?q=1") is None

    config_file = tmp_path / "mkdocs.yml"
    (tmp_path / "docs").mkdir()
    config_file.write_text("site_name: t\nsite_url: https://kb.example.com/\n", encoding="utf-8")
    config = load_config(str(config_file))
    mkdocs_build.get_files(config)  # a build starts: the date is asked once, then kept
    page = Page(None, File("a.md", config.docs_dir, config.site_dir, True), config)
    assert page.update_date == reuse._real_build_date() and page.canonical_url == "https://kb.example.com/a/"
    os.environ["SOURCE_DATE_EPOCH"] = "86400"
    try:
        assert Page(None, File("b.md", config.docs_dir, config.site_dir, True), config).update_date == page.update_date
        mkdocs_build.get_files(config)  # the next build asks again
        assert Page(None, File("c.md", config.docs_dir, config.site_dir, True), config).update_date == "1970-01-02"
    finally:
        del os.environ["SOURCE_DATE_EPOCH"]
