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
    def run(self, root: ET.Element) -> None:
        for parent in root.iter():
            for i, child in enumerate(list(parent)):
                attr = "href" if child.tag == "a" else "src" if child.tag == "img" else None
                if attr is None or _readable(child.get(attr, "")):
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
    def extendMarkdown(self, md: Markdown) -> None:
        # Above MkDocs' own link rewriting (priority 0), which raises on such URLs.
        md.treeprocessors.register(_UnreadableLinksProcessor(md), "defectkb_unreadable_links", 5)
