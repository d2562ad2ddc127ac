"""Write-ups come from many people by pull request: their HTML is cleaned before it is published.

The policy lives in `defectkb.policy.html`, so the build keeps exactly what `kb validate`
accepts. `UnreadableLinks` is a Markdown extension that turns links no URL parser can read
(pasted test output such as `expected:<http://[host/path]>`) into plain text before MkDocs'
link handling sees them: such text is a KB803 warning, never a crashed build.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

from defectkb.config import HtmlConfig
from defectkb.policy.html import HtmlPolicy, clean_site_html
from markdown import Extension, Markdown
from markdown.treeprocessors import Treeprocessor

_DEFAULT = HtmlConfig().policy()


def clean_html(html: str, policy: HtmlPolicy = _DEFAULT) -> str:
    return clean_site_html(html, policy)


def _readable(url: str) -> bool:
    try:
        urlsplit(url)
    except ValueError:
        return False
    return True


class _UnreadableLinksProcessor(Treeprocessor):
    def __init__(self, md: Markdown, hidden_names: frozenset[str]) -> None:
        super().__init__(md)
        self.hidden_names = hidden_names

    def _hidden(self, url: str) -> bool:
        """A relative link to an entry this audience does not see (matched by its file name)."""
        if not self.hidden_names or "://" in url or url.startswith(("mailto:", "#")):
            return False
        name = url.split("#", 1)[0].split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        return name in self.hidden_names or f"{name}.md" in self.hidden_names

    def run(self, root: ET.Element) -> None:
        for parent in root.iter():
            for i, child in enumerate(list(parent)):
                attr = "href" if child.tag == "a" else "src" if child.tag == "img" else None
                if attr is None:
                    continue
                url = child.get(attr, "")
                if _readable(url) and not self._hidden(url):
                    continue
                # Keep the text; drop only the link. An image becomes its alt text.
                span = ET.Element("span")
                if child.tag == "img":
                    span.text = child.get("alt", "")
                else:
                    span.text, span[:] = child.text, list(child)
                span.tail = child.tail
                parent.remove(child)
                parent.insert(i, span)


class UnreadableLinks(Extension):
    """Links MkDocs cannot parse, and links to entries a public build leaves out, become text."""

    def __init__(self, hidden: set[str] | frozenset[str] = frozenset()) -> None:
        super().__init__()
        self.hidden_names = frozenset(p.rsplit("/", 1)[-1] for p in hidden)

    def extendMarkdown(self, md: Markdown) -> None:
        # Above MkDocs' own link rewriting (priority 0), which raises on such URLs.
        md.treeprocessors.register(_UnreadableLinksProcessor(md, self.hidden_names), "defectkb_unreadable_links", 5)
