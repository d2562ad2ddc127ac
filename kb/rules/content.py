"""Content policy: raw HTML and links the site would drop, links MkDocs cannot read, secrets
and personal data. Entries arrive by pull request; the author hears of each problem here, at its
line, instead of finding it silently removed (or published) on the site."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from defectkb.diagnostics import Diagnostic, Position, Severity
from defectkb.policy.html import judge_tag, judge_url
from defectkb.policy.scan import scan
from defectkb.policy.secrets import any_in, redact, scan_text

if TYPE_CHECKING:
    from defectkb.entries import Entry, KnowledgeBase

_FIX_TAG = "allowed raw HTML: {allowed}; write it in Markdown, put it in `backticks` to show it as code, " \
           "or (for a whole organisation) add the tag to `html.allowed_tags` in kb.yml"


def check_content(kb: KnowledgeBase) -> Iterator[Diagnostic]:
    policy = kb.config.html.policy()
    allowed = ", ".join(sorted(policy.tags)) or "none"
    emails = [p.email for p in kb.registry.people.values() if p.email]
    secrets_cfg = kb.config.secrets
    for entry in kb.entries:
        src = entry.source
        offset = src.body_line - 1
        # A body over the resource bounds is reported by the loader; parsing it here would be slow.
        for found in scan(src.body) if src.within_limits else ():
            pos = Position(found.line + offset, found.column)
            if found.kind == "tag":
                for f in judge_tag(found.tag, list(found.attrs), policy):
                    if f.what == "tag":
                        yield entry.diag("KB801", pos, f"raw HTML `<{f.tag}>` is not allowed; the site drops it",
                                         _FIX_TAG.format(allowed=allowed))
                    elif f.what == "attribute":
                        kind = "event handler" if f.name.startswith("on") else "attribute"
                        yield entry.diag("KB801", pos, f"{kind} `{f.name}` on `<{f.tag}>` is not allowed; "
                                                       "the site drops it",
                                         "remove it; scripts and styles never reach the site")
                    else:
                        yield entry.diag("KB802", pos, f"`{f.name}` of `<{f.tag}>` has an unsafe URL "
                                                       f"`{_show(f.value)}`",
                                         f"use one of {', '.join(sorted(policy.url_schemes))}")
                continue
            if judge_url(found.url, policy, image=found.kind == "image") or _relative(found.url):
                continue  # kept as it is (relative links to other entries are checked by the build)
            if _scheme(found.url) in policy.url_schemes:  # an allowed scheme, but not a URL anyone can read
                yield entry.diag("KB803", pos, f"link target `{_show(found.url)}` cannot be parsed as a URL; "
                                               "the site shows it as text", "put quoted output in `backticks`",
                                 Severity.WARNING)
                continue
            what = {"image": "image", "definition": "link reference definition"}.get(found.kind, "link")
            yield entry.diag("KB802", pos, f"{what} target `{_show(found.url)}` has an unsafe scheme; "
                                           "the site drops it",
                             f"use one of {', '.join(sorted(policy.url_schemes))}; to quote the text, "
                             "put it in `backticks`")
        if secrets_cfg.enabled:
            yield from _secrets(entry, emails, secrets_cfg.allow)


def _scheme(url: str) -> str:
    """The scheme as a browser reads it: control characters and spaces trimmed, tabs and newlines removed."""
    text = url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08\t\n\x0b\x0c\r\x0e\x0f\x10\x11\x12\x13\x14"
                     "\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f ")
    text = text.replace("\t", "").replace("\n", "").replace("\r", "")
    return text.split(":", 1)[0].lower() if ":" in text else ""


def _relative(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return not parts.scheme and not _scheme(url)


def _show(value: str, limit: int = 60) -> str:
    shown = "".join(c if c.isprintable() else f"\\x{ord(c):02x}" for c in value)
    return shown if len(shown) <= limit else shown[:limit] + "…"


def _secrets(entry: Entry, emails: list[str], allow: list[str]) -> Iterator[Diagnostic]:
    src = entry.source
    for hit in scan_text(src.body, emails, allow):
        yield _secret_diag(entry, Position(hit.line + src.body_line - 1, hit.column), hit.kind, hit.text, hit.personal)
    if not any_in(_values(src.meta)):
        return
    for path, value in _strings(src.meta or {}, ()):
        for hit in scan_text(value, emails, allow):
            yield _secret_diag(entry, entry.pos(*path), hit.kind, hit.text, hit.personal)


def _values(meta: Any) -> list[str]:
    """Every string in the front matter, without where it is (see _strings, for the few with a hit)."""
    out: list[str] = []
    stack = [meta]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            out.append(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return out


def _strings(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*path, str(k)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*path, i))


def _secret_diag(entry: Entry, pos: Position, kind: str, text: str, personal: bool) -> Diagnostic:
    if personal:
        return entry.diag("KB811", pos, f"{kind} `{redact(text)}` would be published",
                          "remove or mask it (e.g. 138****5678); people are named by their registry id. "
                          "Deliberate? end the line with `<!-- kb: allow -->` or add a pattern to "
                          "`secrets.allow` in kb.yml")
    return entry.diag("KB810", pos, f"{kind} `{redact(text)}` in the entry",
                      "remove it and rotate the credential: it is in the git history now. Example values "
                      "that are not real: end the line with `<!-- kb: allow -->` or add a pattern to "
                      "`secrets.allow` in kb.yml")
