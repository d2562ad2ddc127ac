"""Front matter of the usual shape, read line by line without building YAML nodes.

Nearly every entry's front matter is the same few shapes: `key: value` lines, a nested mapping
or two, block sequences of scalars, and flow sequences and mappings of scalars on one line.
libyaml parses those quickly, but PyYAML then makes a Python node object for every key and
value and asks a Python resolver for every plain scalar's tag: more than half of what reading
an entry costs. This reader recognises that usual shape with one regular expression per line
and builds the same values PyYAML's safe loader builds: plain scalars get their type from
PyYAML's own resolver and constructors. Keys, short strings and time zones come out shared, one
object for equal ones across files, as `defectkb.loader.shared` would make them.

Anything outside the shape (block scalars, comments after values, escapes in quoted strings,
anchors, tags, tabs, odd characters, duplicate keys, a line it cannot place) makes it give up
(`Unusual`): the caller then parses with libyaml, which also reports errors at their line. So
the shape decides only how fast a document is read, never what it means.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from typing import Any

import yaml


class Unusual(Exception):
    """The text is not of the usual shape: parse it with libyaml instead."""


# Characters a YAML reader treats specially (tabs, carriage returns, other line breaks, BOM,
# non-printables) or rejects: any of them and the text goes to libyaml.
_ODD = re.compile("[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")

# One line: indent, then `- ` (a sequence item) or `key:` (a mapping entry), then the rest.
_LINE = re.compile(r"( *)(?:(-)(?: +|$)|([A-Za-z_][A-Za-z0-9_-]{0,99}):(?: +|$))?(.*)")

_DOUBLE = re.compile(r'"([^"\\]*)" *')
_SINGLE = re.compile(r"'((?:[^']|'')*)' *")
# A plain scalar may not start with an indicator, nor hold ": " or " #", nor end with ":".
_PLAIN_START = frozenset("-?:,[]{}#&*!|>'\"%@`")
# Inside `[...]` / `{...}`: a quoted scalar or a plain one without flow indicators, quotes,
# `#` or `:` (a `:` there could start a pair), then `,` or the closing bracket.
_FLOW_ITEM = re.compile(
    r""" *(?:"([^"\\]*)"|'((?:[^']|'')*)'|([^\s,\[\]{}"'#:&*!|>%@`?-][^,\[\]{}"'#:]*?)) *([,\]}])""")
_FLOW_PAIR = re.compile(r" *([A-Za-z_][A-Za-z0-9_-]{0,99}): +")

_Y = "tag:yaml.org,2002:"
_STR = _Y + "str"
_SCALARS = frozenset(_Y + t for t in ("null", "bool", "int", "float", "str", "timestamp"))
_resolver = yaml.resolver.Resolver()
_constructor = yaml.constructor.SafeConstructor()
_tags: dict[str, str] = {}  # plain scalar → its implicit tag: front matter repeats the same values
_RESOLVED_FIRST = frozenset(first for first in yaml.resolver.Resolver.yaml_implicit_resolvers if first)
_DIGITS = frozenset("0123456789")
_ISO_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:T[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2})?")
SHORT = 64  # strings up to this long are interned: keys, statuses, people repeat in every entry
_intern = sys.intern
_ZONES: dict[dt.timedelta | None, dt.tzinfo] = {}
_TAGS_MAX = 4096
_TEXT_MAX = 64


def load(text: str, max_nodes: int, max_depth: int) -> Any:
    """The values of `text` as PyYAML's safe loader makes them; raises Unusual when the text is not
    of the usual shape or would exceed `max_nodes` values or `max_depth` levels."""
    if _ODD.search(text):
        raise Unusual
    lines = []
    for raw in text.split("\n"):
        if not raw.strip(" "):
            continue
        match = _LINE.match(raw)
        indent, dash, key, rest = match.groups()  # the pattern matches every line
        if rest.startswith("#") and dash is None and key is None:
            continue  # a comment line
        if dash is None and key is None:
            raise Unusual  # a continued scalar, a document marker, a quoted key, ...
        lines.append((len(indent), dash is not None, key, rest.rstrip(" ")))
    if not lines:
        raise Unusual  # empty: libyaml's answer (None) is cheap
    reader = _Reader(lines, max_nodes, max_depth)
    if lines[0][0] != 0 or lines[0][1]:
        raise Unusual  # front matter is a mapping at the left margin
    value = reader.mapping(0, 0)
    if reader.i != len(lines):
        raise Unusual  # a line left over: a bad indent
    return value


class _Reader:
    __slots__ = ("i", "lines", "max_depth", "max_nodes", "nodes")

    def __init__(self, lines: list[tuple[int, bool, str | None, str]], max_nodes: int, max_depth: int) -> None:
        self.lines = lines
        self.i = 0
        self.nodes = 0
        self.max_nodes = max_nodes
        self.max_depth = max_depth

    def _count(self, n: int, depth: int) -> None:
        # Counted as the node path counts: two per mapping entry, one per sequence item.
        self.nodes += n
        if self.nodes > self.max_nodes or depth > self.max_depth:
            raise Unusual

    def mapping(self, indent: int, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        lines = self.lines
        while self.i < len(lines):
            at, dash, key, rest = lines[self.i]
            if at < indent:
                break
            if at > indent or dash or key is None:
                raise Unusual
            self._count(2, depth)
            if key in out or plain_tag(key) != _STR:
                raise Unusual  # a duplicate key, or one YAML reads as a bool or null
            key = _intern(key)
            self.i += 1
            if rest:
                out[key] = _value(rest, depth + 1, self)
            else:
                out[key] = self.block(indent, depth + 1)
        return out

    def block(self, indent: int, depth: int) -> Any:
        """What follows `key:` with nothing after it on its line: a nested block, or null."""
        if self.i == len(self.lines):
            return None
        at, dash, _key, _rest = self.lines[self.i]
        if at > indent:
            return self.sequence(at, depth) if dash else self.mapping(at, depth)
        if at == indent and dash:
            return self.sequence(at, depth)  # `key:` then `- item` at the key's own indent
        return None

    def sequence(self, indent: int, depth: int) -> list[Any]:
        out: list[Any] = []
        lines = self.lines
        while self.i < len(lines):
            at, dash, _key, rest = lines[self.i]
            if at < indent or (at == indent and not dash):
                break
            if at > indent or not rest:
                raise Unusual  # `- ` alone, nested items, items spread over lines
            self._count(1, depth)
            self.i += 1
            out.append(_value(rest, depth + 1, self))
        return out


def _value(text: str, depth: int, reader: _Reader) -> Any:
    """A value written on one line: a quoted or plain scalar, or a flow sequence or mapping."""
    first = text[0]
    if first == '"':
        match = _DOUBLE.fullmatch(text)
        if match is None:
            raise Unusual
        return _short(match.group(1))
    if first == "'":
        match = _SINGLE.fullmatch(text)
        if match is None:
            raise Unusual
        return _short(match.group(1).replace("''", "'"))
    if first == "[":
        return _flow(text, depth, reader, sequence=True)
    if first == "{":
        return _flow(text, depth, reader, sequence=False)
    if first in _PLAIN_START or ": " in text or " #" in text or text.endswith(":"):
        raise Unusual
    return _plain(text)


def _flow(text: str, depth: int, reader: _Reader, *, sequence: bool) -> Any:
    """`[a, "b", 'c']` or `{k: v, k: "w"}` of scalars, on one line."""
    close = "]" if sequence else "}"
    inner = text[1:].lstrip(" ")
    if inner == close:
        reader._count(0, depth)
        return [] if sequence else {}
    items: list[Any] = []
    out: dict[str, Any] = {}
    pos = len(text) - len(inner)
    end = len(text)
    while True:
        key = None
        if not sequence:
            pair = _FLOW_PAIR.match(text, pos)
            if pair is None:
                raise Unusual
            key = _intern(pair.group(1))
            if key in out or plain_tag(key) != _STR:
                raise Unusual
            pos = pair.end()
        match = _FLOW_ITEM.match(text, pos)
        if match is None:
            raise Unusual  # nested collections, empty items, a `:` in a plain item, ...
        double, single, plain, stop = match.groups()
        if double is not None:
            value: Any = _short(double)
        elif single is not None:
            value = _short(single.replace("''", "'"))
        else:
            if " #" in plain:
                raise Unusual
            value = _plain(plain)
        if sequence:
            reader._count(1, depth)
            items.append(value)
        else:
            reader._count(2, depth)
            out[key] = value  # type: ignore[index]
        pos = match.end()
        if stop != ",":
            if stop != close or text[pos:end].strip(" "):
                raise Unusual  # a mismatched bracket, or text after it
            return items if sequence else out


def plain_tag(plain: str) -> str:
    """The implicit tag of a non-empty plain scalar, as PyYAML's resolver gives it, remembered for
    short texts (at most _TAGS_MAX of them, so memory stays bounded)."""
    if plain[0] not in _RESOLVED_FIRST:
        return _STR  # no implicit type starts with this character (PyYAML's own dispatch)
    tag = _tags.get(plain)
    if tag is None:
        tag = _resolver.resolve(yaml.ScalarNode, plain, (True, False))
        if len(_tags) < _TAGS_MAX and len(plain) <= _TEXT_MAX:
            _tags[plain] = tag
    return tag


def _short(text: str) -> str:
    return _intern(text) if len(text) <= SHORT else text


def shared_zone(value: dt.datetime) -> dt.datetime:
    """`value` with the one time zone object kept for its offset (fixed offsets only)."""
    if type(value.tzinfo) is not dt.timezone:
        return value
    zone = _ZONES.setdefault(value.utcoffset(), value.tzinfo)
    return value if zone is value.tzinfo else value.replace(tzinfo=zone)


def _plain(text: str) -> Any:
    if text[0] in _DIGITS and _ISO_TIME.fullmatch(text):
        # What PyYAML's timestamp constructor makes of these two forms, at a tenth of the cost
        if len(text) > 10:
            return shared_zone(dt.datetime.fromisoformat(text))
        return dt.date.fromisoformat(text)
    tag = plain_tag(text)
    if tag == _STR:
        return _short(text)
    if tag not in _SCALARS:
        raise Unusual  # `=` and `<<` resolve to tags the front matter has no use for
    value = _constructor.yaml_constructors[tag](_constructor, yaml.ScalarNode(tag, text))
    return shared_zone(value) if type(value) is dt.datetime else value
