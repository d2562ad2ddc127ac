"""Full-text search with Pagefind: a static index split into small chunks, so the browser loads
only what a query needs (kilobytes, not the whole index). The extended build segments Chinese."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

from mkdocs.exceptions import PluginError

log = logging.getLogger("mkdocs.plugins.defectkb")


def build_search_index(site_dir: Path, language: str) -> None:
    command = [sys.executable, "-m", "pagefind", "--site", str(site_dir), "--output-subdir", "pagefind",
               "--force-language", "zh" if language == "zh" else "en", "--exclude-selectors", ".headerlink",
               "--quiet"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    except FileNotFoundError as exc:  # pragma: no cover - python itself is missing
        raise PluginError(f"cannot run Pagefind: {exc}") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-5:]
        raise PluginError("Pagefind could not index the site (pip install 'pagefind[extended]'):\n"
                          + "\n".join(detail))
