"""Where DefectKB keeps what belongs to the user rather than to a repository."""

from __future__ import annotations

import os
from pathlib import Path


def user_cache_dir() -> Path:
    """`$XDG_CACHE_HOME/defectkb`, else `~/.cache/defectkb`: outside every repository."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "defectkb"
