"""GitHub issues as JSON: `gh issue list --json ...` output, or the REST API's issue array
(which also holds pull requests: they are marked and left out by the caller)."""

from __future__ import annotations

import json
import re
from typing import Any

from defectkb.ingest.table import Problem, Row, Table

_REPO = re.compile(r"github\.com/([^/]+/[^/]+)/(?:issues|pull)/(\d+)")


def _login(user: Any) -> str:
    if isinstance(user, dict):
        return str(user.get("login") or user.get("name") or "")
    return str(user or "")


def _names(items: Any, key: str) -> list[str]:
    if not isinstance(items, list):
        return []
    return [str(i.get(key) or "") if isinstance(i, dict) else str(i) for i in items]


def read_github(text: str) -> Table:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Table([], [], [Problem(None, exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})",
                                      "save the output of `gh issue list --json ...` or of the REST API as is")])
    if isinstance(data, dict) and isinstance(data.get("items"), list):
        data = data["items"]  # the search API wraps the array
    if not isinstance(data, list):
        return Table([], [], [Problem(None, 1, "expected a JSON array of issues",
                                      "`gh issue list --json number,title,...` prints one")])
    rows: list[Row] = []
    for number, issue in enumerate(data, start=1):
        if not isinstance(issue, dict):
            rows.append(Row(number, None, {}))
            continue
        url = str(issue.get("html_url") or issue.get("url") or "")
        if "api.github.com" in url:
            url = str(issue.get("html_url") or "")
        m = _REPO.search(url)
        key = f"{m.group(1)}#{m.group(2)}" if m else f"#{issue.get('number', '')}"
        state = str(issue.get("state") or "").lower()
        reason = str(issue.get("state_reason") or issue.get("stateReason") or "").lower()
        milestone = issue.get("milestone")
        cells = {
            "key": [key], "url": [url], "title": [str(issue.get("title") or "")], "state": [state],
            "state_reason": [reason], "author": [_login(issue.get("author") or issue.get("user"))],
            "assignees": [_login(a) for a in issue.get("assignees") or []],
            "labels": _names(issue.get("labels"), "name"),
            "milestone": [str(milestone.get("title") or "")] if isinstance(milestone, dict) else [],
            "body": [str(issue.get("body") or "")],
            "created": [str(issue.get("createdAt") or issue.get("created_at") or "")],
            "closed": [str(issue.get("closedAt") or issue.get("closed_at") or "")],
            "updated": [str(issue.get("updatedAt") or issue.get("updated_at") or "")],
        }
        row = Row(number, None, {k: [v.strip() for v in vs if v and v.strip()] for k, vs in cells.items()})
        row.pull_request = "pull_request" in issue or bool(issue.get("isPullRequest")) or "/pull/" in url
        comments = issue.get("comments")
        if isinstance(comments, list):  # gh --json comments; the REST array has only a count
            for c in comments:
                if isinstance(c, dict):
                    row.comments.append((str(c.get("createdAt") or c.get("created_at") or ""),
                                         _login(c.get("author") or c.get("user")), str(c.get("body") or "")))
        rows.append(row)
    return Table(sorted({c for r in rows for c in r.cells}), rows, [])
