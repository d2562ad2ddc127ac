"""What MkDocs works out again on every preview rebuild although nothing it rests on changed.

MkDocs 1.6 makes each rebuild of `serve` from nothing. Two of its steps read folders that a save
in the editor does not change:
- it lists the docs folder and makes a `File` for each of its files (0.3 s at 10,000 entries);
- it walks the theme's 14,000 files to pick its assets (0.1 s).
And two are slow per page for what they work out (together 0.5 s at 10,000 pages):
- each `Page` asks for the build's date (the clock, then `strftime`): in the preview it is asked
  once per build;
- each `Page` joins its URL to `site_url` with `urllib` (which `serve` always sets): in the
  preview a plain relative URL is appended to a plain base as text, which is what `urljoin`
  makes of such URLs; any other URL or base goes to MkDocs' own method.

In `kb serve` their results are kept from one rebuild to the next and handed out again as fresh
copies, as long as nothing they depend on changed:
- the docs folder's files, while no directory under it changed and the settings that pick files
  are equal. Adding, removing or renaming a file changes its directory's modification time. A
  listing is kept only once every directory is a few seconds old (as in
  `defectkb.loader.Listings`), since a change in the same tick of the clock would go unseen.
- the theme's files, while the theme's folders and settings are equal.

The copies are made of the objects as MkDocs made them, before any build changed them, so each
rebuild gets what MkDocs would have made. Only MkDocs 1.6's `get_files`,
`Files.add_files_from_theme`, the build date of `Page` and `Page._set_canonical_url` are replaced,
and they do the work themselves outside a preview.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import mkdocs
from defectkb.loader import Listings
from mkdocs.commands import build as mkdocs_build
from mkdocs.structure import pages as mkdocs_pages
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

_active = False
_real_get_files: Callable[[Any], Files] | None = None
_real_add_theme: Callable[..., None] | None = None
_real_build_date: Callable[[], str] | None = None
_real_canonical: Callable[[Page, str | None], None] | None = None
_build_date: str | None = None  # this build's, once asked (reset when a build lists its files)
_bases: dict[str, str | None] = {}  # site_url -> its path, or None if not a plain base


class _Kept:
    """Files made once, with what they were made from."""

    def __init__(self, key: tuple[Any, ...], directories: list[tuple[str, int]], files: list[File]) -> None:
        self.key, self.directories, self.files = key, directories, files

    def still(self, key: tuple[Any, ...]) -> bool:
        return key == self.key and Listings.same_times(self.directories)


_docs: _Kept | None = None
_theme: _Kept | None = None


def install() -> bool:
    """Replace the MkDocs steps above (once per process); False where this MkDocs is not 1.6."""
    global _active, _real_get_files, _real_add_theme, _real_build_date, _real_canonical
    _active = True
    if _real_get_files is not None:
        return True
    if not mkdocs.__version__.startswith("1.6.") or not hasattr(mkdocs_build, "get_files"):
        _active = False
        return False
    _real_get_files, _real_add_theme = mkdocs_build.get_files, Files.add_files_from_theme
    _real_build_date, _real_canonical = mkdocs_pages.get_build_date, Page._set_canonical_url
    mkdocs_build.get_files = get_files
    Files.add_files_from_theme = add_files_from_theme  # type: ignore[method-assign]
    mkdocs_pages.get_build_date = build_date
    Page._set_canonical_url = set_canonical_url  # type: ignore[method-assign]
    return True


def stop() -> None:
    """Outside a preview: MkDocs' own steps, nothing kept."""
    global _active, _docs, _theme
    _active, _docs, _theme = False, None, None


def get_files(config: Any) -> Files:
    global _docs, _build_date
    assert _real_get_files is not None
    if not _active:
        return _real_get_files(config)
    _build_date = None  # a build starts here: the day is asked again
    key = (config.docs_dir, config.site_dir, config.use_directory_urls, repr(config.exclude_docs),
           repr(config.not_in_nav), repr(config.draft_docs))
    if _docs is not None and _docs.still(key):
        return Files([_copy(f) for f in _docs.files])
    started = time.time_ns()
    files = _real_get_files(config)
    directories = _settled_directories([config.docs_dir], started, follow=True)
    _docs = _Kept(key, directories, [_copy(f) for f in files]) if directories is not None else None
    return files


def add_files_from_theme(self: Files, env: Any, config: Any) -> None:
    global _theme
    assert _real_add_theme is not None
    if not _active:
        _real_add_theme(self, env, config)
        return
    key = (tuple(config.theme.dirs), tuple(sorted(config.theme.static_templates)), config.site_dir,
           config.use_directory_urls)
    if _theme is not None and _theme.still(key):
        candidates = _theme.files
    else:
        started = time.time_ns()
        found = Files([])
        _real_add_theme(found, env, config)  # every theme file; those the docs folder has are left out below
        candidates = [_copy(f) for f in found]
        directories = _settled_directories(list(config.theme.dirs), started, follow=False)
        _theme = _Kept(key, directories, candidates) if directories is not None else None
    for file in candidates:
        if self.get_file_from_path(file.src_uri) is None:  # a docs file of the same path wins, as in MkDocs
            self.append(_copy(file))


def build_date() -> str:
    """MkDocs' build date (the day, or SOURCE_DATE_EPOCH's), asked once per preview build."""
    global _build_date
    assert _real_build_date is not None
    if not _active:
        return _real_build_date()
    if _build_date is None:
        _build_date = _real_build_date()
    return _build_date


def set_canonical_url(page: Page, base: str | None) -> None:
    """`Page._set_canonical_url` as text where `urljoin` would give the same: a plain relative
    URL (no scheme, query, fragment, empty or dot segment) below a plain base."""
    assert _real_canonical is not None
    url = page.url
    path = _base_path(base) if _active and base and _plain(url) else None
    if path is None:
        _real_canonical(page, base)
        return
    assert base is not None
    base = base if base.endswith("/") else base + "/"
    page.canonical_url = base + url
    page.abs_url = path + url


def _plain(url: str) -> bool:
    """A relative URL `urljoin` appends as it is: no scheme, root, query, fragment, parameters,
    backslash, empty or dot segment."""
    if not url:
        return True
    if url[0] == "/" or "//" in url or any(c in url for c in ":?#;\\"):
        return False
    return not any(part in (".", "..") for part in url.split("/"))


def _base_path(base: str) -> str | None:
    """The path of `base` (ending in /) if joining plain URLs to it is appending them, else None."""
    if base in _bases:
        return _bases[base]
    slashed = base if base.endswith("/") else base + "/"
    parts = urlsplit(slashed)
    probe = "a/b/"
    plain = bool(parts.scheme and parts.netloc) and not parts.query and not parts.fragment \
        and urljoin(slashed, probe) == slashed + probe and urlsplit(slashed + probe).path == parts.path + probe \
        and _plain(parts.path.strip("/")) and "//" not in parts.path
    _bases[base] = parts.path if plain else None
    return _bases[base]


def _copy(file: File) -> File:
    """A shallow copy (what copy.copy makes, at a third of its cost: 10,000 files per rebuild)."""
    twin = object.__new__(type(file))
    twin.__dict__.update(file.__dict__)
    return twin


def _settled_directories(tops: list[str], started: int, *, follow: bool) -> list[tuple[str, int]] | None:
    """Every directory under `tops` with its modification time, or None if one cannot be read or
    changed too recently to tell a later change (`Listings.settled`)."""
    found = []
    for top in tops:
        for directory, _dirs, _files in os.walk(top, followlinks=follow):
            try:
                found.append((directory, os.stat(directory).st_mtime_ns))
            except OSError:
                return None
    return found if Listings.settled(found, started) else None
