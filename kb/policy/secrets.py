"""Secrets and personal data in entry files: what must never be published.

Secret patterns come from detect-secrets' regex plugins (private keys, cloud and API tokens,
passwords in URLs, JWTs), run over the whole file once each, so a clean file costs one pass per
pattern; only files with a hit are looked at line by line. Personal data (e-mail addresses,
phone numbers, mainland China mobile and ID-card numbers) uses patterns of ours: no maintained
library covers the Chinese forms, and ID-card numbers are confirmed by their check digit.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import importlib.metadata
import json
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from defectkb.userdirs import user_cache_dir

SUPPRESS = "kb: allow"  # `<!-- kb: allow -->` or `# kb: allow` on the line (or the line before)


@dataclass(frozen=True, slots=True)
class Hit:
    line: int  # 1-based, in the file
    column: int
    kind: str  # what it is, for the message
    text: str  # the matched text, for allowlists (never printed in full)
    personal: bool  # personal data rather than a credential


# detect-secrets' regex plugins used here (module under detect_secrets.plugins, class). Others
# (high-entropy strings, keywords) flag ordinary prose and hashes in defect write-ups; these
# match the shapes of real credentials.
_PLUGINS = (("aws", "AWSKeyDetector"), ("azure_storage_key", "AzureStorageKeyDetector"),
            ("basic_auth", "BasicAuthDetector"), ("discord", "DiscordBotTokenDetector"),
            ("github_token", "GitHubTokenDetector"), ("gitlab_token", "GitLabTokenDetector"),
            ("jwt", "JwtTokenDetector"), ("mailchimp", "MailchimpDetector"), ("npm", "NpmDetector"),
            ("openai", "OpenAIDetector"), ("private_key", "PrivateKeyDetector"), ("pypi_token", "PypiTokenDetector"),
            ("sendgrid", "SendGridDetector"), ("slack", "SlackDetector"), ("stripe", "StripeDetector"),
            ("telegram_token", "TelegramBotTokenDetector"), ("twilio", "TwilioKeyDetector"))
_PATTERNS_FORMAT = 1


@functools.cache
def _plugin(index: int) -> Any:
    """A detector of `_PLUGINS`, imported when a match needs it to confirm (rare): importing
    detect-secrets pulls in `requests`, a tenth of a second of every run that scans a file."""
    module, name = _PLUGINS[index]
    return getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), name)()


def _patterns_file() -> Path | None:
    """Where the detectors' patterns are kept: the user's cache folder, under a name holding
    detect-secrets' version and the list of detectors, so another version is read afresh."""
    try:
        version = importlib.metadata.version("detect-secrets")
    except importlib.metadata.PackageNotFoundError:
        return None
    key = hashlib.blake2b(repr((version, _PLUGINS, _PATTERNS_FORMAT)).encode("utf-8"), digest_size=8).hexdigest()
    return user_cache_dir() / f"secret-patterns-{key}.json"


def _read_patterns(path: Path) -> list[tuple[str, int, list[re.Pattern[str]]]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        out = [(str(kind), int(index), [re.compile(str(p), int(f)) for p, f in patterns])
               for kind, index, patterns in data]
    except (OSError, ValueError, TypeError, re.error):
        return None  # missing or damaged: made again from detect-secrets
    return out if sorted(i for _, i, _ in out) == list(range(len(_PLUGINS))) else None


@functools.cache
def _detectors() -> list[tuple[str, int, list[re.Pattern[str]]]]:
    """(secret type, index in `_PLUGINS`, denylist patterns) of each detector, as detect-secrets
    defines them. Read from its plugins once per version of it and kept in the user's cache
    folder, so that a run imports detect-secrets only to confirm a match."""
    path = _patterns_file()
    if path is not None and (kept := _read_patterns(path)) is not None:
        return kept
    out = [(str(type(_plugin(i)).secret_type), i, list(_plugin(i).denylist)) for i in range(len(_PLUGINS))]
    if path is not None:
        data = [[kind, i, [[p.pattern, p.flags] for p in patterns]] for kind, i, patterns in out]
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
            temp.write_text(json.dumps(data), encoding="utf-8")
            os.replace(temp, path)  # whole or not at all: another run may be reading it
        except OSError:
            pass  # not writable: detect-secrets is imported again next time
    return out


EMAIL = re.compile(r"(?<![\w.+:/-])[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}\b")
CN_MOBILE = re.compile(r"(?<![\d.])(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?![\d.])")
PHONE = re.compile(r"(?<![\w.+/-])\+\d{1,3}[ -]\(?\d{1,4}\)?[ -]\d{3,4}[ -]\d{3,4}(?![\w.-])")
CN_ID = re.compile(r"(?<![\dA-Za-z])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx]"
                   r"(?![\dA-Za-z])")
# RFC 2606 / RFC 6761 names that never reach a real mailbox: test accounts in write-ups use them.
RESERVED_DOMAINS = ("example.com", "example.org", "example.net", ".example", ".test", ".invalid", ".localhost")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_checksum_ok(number: str) -> bool:
    total = sum(int(d) * w for d, w in zip(number[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == number[17].upper()


def _line_col(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _suppressed(lines: list[str], line: int) -> bool:
    here = lines[line - 1] if line - 1 < len(lines) else ""
    before = lines[line - 2] if line >= 2 else ""
    return SUPPRESS in here or (SUPPRESS in before and before.strip().startswith(("<!--", "#")))


# A literal each pattern cannot match without (case-folded for case-insensitive patterns): text
# without it is not searched with that pattern. Patterns not listed need the literal they start
# with (see _literal_prefix); one with neither is always searched.
_NEEDS = {
    "(?:A3T[A-Z0-9]|ABIA|ACCA|AKIA|ASIA)[0-9A-Z]{16}": ("A3T", "ABIA", "ACCA", "AKIA", "ASIA"),
    "[MNO][a-zA-Z\\d_-]{23,25}\\.[a-zA-Z\\d_-]{6}\\.[a-zA-Z\\d_-]{27}": (".",),
    "(ghp|gho|ghu|ghs|ghr)_[A-Za-z0-9_]{36}": ("gh",),
    "[0-9a-z]{32}-us[0-9]{1,2}": ("-us",),
    "sk-[A-Za-z0-9-_]*[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}": ("T3BlbkFJ",),
    "(?:r|s)k_live_[0-9a-zA-Z]{24}": ("k_live_",),
    "(glpat|gldt|glft|glsoat|glrt)-[A-Za-z0-9_\\-]{20,50}(?!\\w)": ("gl",),
    "\\/\\/.+\\/:_authToken=\\s*((npm_.+)|([A-Fa-f0-9-]{36})).*": (":_authToken=",),
}
_META = frozenset(".^$*+?{}[]\\|()")
# Patterns that need more than a literal: cheaper searches that each must find something first
# (those starting with a literal are fast; a run of one character class is one quick pass).
_NEEDS_MATCH: dict[str, Callable[[str], object]] = {
    "\\d{8,10}:[0-9A-Za-z_-]{35}": lambda text: _digits_before_colon(text, 8),
    "[MNO][a-zA-Z\\d_-]{23,25}\\.[a-zA-Z\\d_-]{6}\\.[a-zA-Z\\d_-]{27}": re.compile(r"\.[a-zA-Z\d_-]{6}\.").search,
}
_MOBILE_GATE = re.compile(r"1[3-9]\d[- ]?\d{4}")
_PHONE_GATE = re.compile(r"\+\d")
_ID_GATE = re.compile(r"\d\d{16}")  # \d{17}, written so that the engine looks for a digit first: twice as fast
_SHORT = 256  # below this length one combined search is cheaper than a gate per pattern
# Under 16 characters, every pattern needs one of these (tokens and keys are longer; the JWT form
# is the exception, starting `eyJ`): most front-matter values (keys, names, tags) have none.
_TINY = 16
_TINY_NEEDS = re.compile(r"[\d@+:]|eyJ")


def _top_level_bar(pattern: str) -> bool:
    depth, i, in_class = 0, 0, False
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            i += 2
            continue
        if in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c in "()":
            depth += 1 if c == "(" else -1
        elif c == "|" and depth == 0:
            return True
        i += 1
    return False


def _literal_prefix(pattern: re.Pattern[str]) -> str:
    """The literal text a pattern starts with, when every match must start with it."""
    text = pattern.pattern
    if _top_level_bar(text) or (pattern.flags & re.VERBOSE and any(c.isspace() or c == "#" for c in text)):
        return ""
    out: list[str] = []
    for c in text:
        if c in _META:
            if c in "*?{+" and out:
                out.pop()  # the literal before a quantifier may be absent (or repeated)
            break
        out.append(c)
    return "".join(out)


def _digits_before_colon(text: str, n: int) -> bool:
    """`re.search(rf"\\d{{{n}}}:", text)`, by looking behind each colon: a body has a few dozen
    colons and thousands of digits, at each of which the expression would start a match."""
    i = text.find(":", n)
    while i >= 0:
        if text[i - n:i].isdecimal():  # isdecimal is exactly \d for str patterns
            return True
        i = text.find(":", i + 1)
    return False


@functools.cache
def _gates() -> list[tuple[str, int, re.Pattern[str], tuple[str, ...], bool, Callable[[str], object] | None]]:
    """Each detector pattern with what it needs: literals (in the lower-cased text when it ignores
    case) and a cheaper pattern to find first."""
    out = []
    for kind, plugin, patterns in _detectors():
        for pattern in patterns:
            needs = _NEEDS.get(pattern.pattern) or tuple(filter(None, [_literal_prefix(pattern)]))
            folded = bool(pattern.flags & re.IGNORECASE)
            if folded:
                needs = tuple(n.lower() for n in needs)
            out.append((kind, plugin, pattern, needs, folded, _NEEDS_MATCH.get(pattern.pattern)))
    return out


@functools.cache
def _combined() -> re.Pattern[str] | None:
    """Every pattern as one alternation: for short text one search says whether any can match."""
    parts = []
    for p in [g[2] for g in _gates()] + [EMAIL, CN_MOBILE, PHONE, CN_ID]:
        flags = "".join(letter for flag, letter in ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"),
                                                    (re.VERBOSE, "x")) if p.flags & flag)
        if p.flags & ~(re.UNICODE | re.IGNORECASE | re.MULTILINE | re.DOTALL | re.VERBOSE) \
                or "(?P=" in p.pattern or re.search(r"\\[1-9]", p.pattern):
            return None  # a flag or a back-reference an alternation cannot carry
        parts.append(f"(?{flags}:{p.pattern})" if flags else f"(?:{p.pattern})")
    return re.compile("|".join(parts))


def scan_text(text: str, known_emails: Iterable[str] = (), allow: Iterable[str] = ()) -> Iterator[Hit]:
    """Every secret and piece of personal data in `text`, minus suppressed lines and allowed values.

    `allow` holds regular expressions (kb.yml `secrets.allow`) matched against the found text.
    """
    hits = find(text, known_emails)
    if not hits:
        return
    allowed = [re.compile(a) for a in allow]
    seen: set[tuple[int, int]] = set()
    lines: list[str] | None = None
    for hit in sorted(hits, key=lambda h: (h.line, h.column)):
        if (hit.line, hit.column) in seen or any(a.search(hit.text) for a in allowed):
            continue
        if lines is None:
            lines = text.split("\n")
        if _suppressed(lines, hit.line):
            continue
        seen.add((hit.line, hit.column))
        yield hit


def any_in(texts: list[str]) -> bool:
    """Whether any of `texts` may hold something scan_text reports: one scan of them joined by line
    ends instead of one per text (a front matter has dozens of short values). Every pattern matches
    within a line and a line end is neither a word character nor one the patterns look around for,
    so what matches in one text alone also matches in the joined text. A match across two texts
    makes this say yes, and the caller then scans each text alone: never a miss, at most a re-scan."""
    return bool(texts) and bool(find("\n".join(texts)))


def find(text: str, known_emails: Iterable[str] = ()) -> list[Hit]:
    """Everything the patterns find in `text`, before allowlists and suppression comments."""
    hits: list[Hit] = []
    if len(text) < _TINY and not _TINY_NEEDS.search(text):
        return hits
    if len(text) < _SHORT and (combined := _combined()) is not None and not combined.search(text):
        return hits
    lower = text.lower()
    known: set[str] | None = None
    for kind, plugin, pattern, needs, folded, first in _gates():
        if needs:
            hay = lower if folded else text
            if not (needs[0] in hay if len(needs) == 1 else any(n in hay for n in needs)):
                continue
        if first is not None and not first(text):
            continue
        for m in pattern.finditer(text):
            line, col = _line_col(text, m.start())
            # Let the plugin confirm (the JWT plugin checks the token decodes, for one).
            line_text = text[m.start() - col + 1: text.find("\n", m.end()) if "\n" in text[m.end():] else None]
            if not any(True for _ in _plugin(plugin).analyze_string(line_text)):
                continue
            hits.append(Hit(line, col, kind, m.group(0), False))
    for m in EMAIL.finditer(text) if "@" in text else ():
        address = m.group(0).lower()
        domain = address.rsplit("@", 1)[1]
        reserved = any(domain == d or domain.endswith(d if d.startswith(".") else "." + d) for d in RESERVED_DOMAINS)
        if known is None:
            known = {e.lower() for e in known_emails}
        if address not in known and not reserved:
            hits.append(Hit(*_line_col(text, m.start()), "e-mail address", m.group(0), True))
    for pattern, kind, gate in ((CN_MOBILE, "mobile phone number", _MOBILE_GATE.search(text)),
                                (PHONE, "phone number", _PHONE_GATE.search(text))):
        for m in pattern.finditer(text) if gate else ():
            hits.append(Hit(*_line_col(text, m.start()), kind, m.group(0), True))
    for m in CN_ID.finditer(text) if _ID_GATE.search(text) else ():
        if _id_checksum_ok(m.group(0)):
            hits.append(Hit(*_line_col(text, m.start()), "ID-card number", m.group(0), True))
    return hits


def redact(text: str) -> str:
    """Enough of a secret to find it in the file, not enough to use it."""
    return text[:4] + "…" if len(text) > 6 else "…"
