"""DefectKB: defect write-ups and lessons learned as Markdown, validated and published as a static site.

The domain package: schema, loading, rules, analytics and the command line. It never imports
MkDocs; `defectkb.mkdocs_plugin` (the repository's `plugins/` folder) adapts it to MkDocs.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("defectkb")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
