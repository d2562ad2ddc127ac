"""Jira's XML export (the SearchRequest RSS feed), parsed with defusedxml: no entities, no DTDs.

Each <item> becomes a row whose columns carry the Jira CSV names, so one mapping serves both.
"""

from __future__ import annotations

from xml.etree.ElementTree import Element

from defectkb.ingest.table import Problem, Row, Table
from defectkb.ingest.text import html_to_text
from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

_SIMPLE = {"summary": "Summary", "type": "Issue Type", "priority": "Priority", "status": "Status",
           "resolution": "Resolution", "created": "Created", "updated": "Updated", "resolved": "Resolved",
           "environment": "Environment", "project": "Project name"}
_REPEATED = {"version": "Affects Version/s", "fixVersion": "Fix Version/s", "component": "Component/s"}


def _text(node: Element | None) -> str:
    return (node.text or "").strip() if node is not None else ""


def _person(node: Element | None) -> str:
    if node is None:
        return ""
    # Server/DC give the user name; Cloud gives an account id, whose display name is the text.
    return (node.get("username") or _text(node)).strip()


def read_jira_xml(text: str) -> Table:
    try:
        root = ElementTree.fromstring(text.encode("utf-8"))
    except (ElementTree.ParseError, DefusedXmlException) as exc:
        line = getattr(exc, "position", (None,))[0]
        return Table([], [], [Problem(None, line, f"not a readable Jira XML export: {exc}",
                                      "export with Export → XML from the issue search")])
    items = root.findall("./channel/item")
    rows: list[Row] = []
    for number, item in enumerate(items, start=1):
        cells: dict[str, list[str]] = {}

        def put(column: str, value: str, cells: dict[str, list[str]] = cells) -> None:
            if value.strip():
                cells.setdefault(column, []).append(value.strip())

        put("Issue key", _text(item.find("key")))
        put("url", _text(item.find("link")))
        for tag, column in _SIMPLE.items():
            put(column, _text(item.find(tag)))
        put("Description", html_to_text(_text(item.find("description"))))
        put("Environment", html_to_text(cells.pop("Environment", [""])[0]))
        put("Reporter", _person(item.find("reporter")))
        put("Assignee", _person(item.find("assignee")))
        for tag, column in _REPEATED.items():
            for node in item.findall(tag):
                put(column, _text(node))
        for node in item.findall("./labels/label"):
            put("Labels", _text(node))
        for field in item.findall("./customfields/customfield"):
            name = _text(field.find("customfieldname"))
            for value in field.findall("./customfieldvalues/customfieldvalue"):
                put(f"Custom field ({name})", html_to_text(_text(value)))
        for link_type in item.findall("./issuelinks/issuelinktype"):
            name = _text(link_type.find("name"))
            for key in link_type.findall("./outwardlinks/issuelink/issuekey"):
                put(f"Outward issue link ({name})", _text(key))
        row = Row(number, None, cells)
        for comment in item.findall("./comments/comment"):
            row.comments.append((comment.get("created", ""), comment.get("author", ""),
                                 html_to_text(comment.text or "")))
        rows.append(row)
    if not items:
        return Table([], [], [Problem(None, 1, "no <item> in this XML: not a Jira SearchRequest export",
                                      "export with Export → XML from the issue search")])
    return Table(sorted({c for r in rows for c in r.cells}), rows, [])
