"""YAML with source positions, bounded work and duplicate-key detection.

libyaml (through PyYAML's C composer when available) builds the node graph; we construct the
Python values ourselves so that we can remember where every key and value came from, report
duplicate keys, and stop alias bombs and deep nesting before they cost time or memory.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from defectkb import yamlsimple
from defectkb.diagnostics import Position
from frontmatter.default_handlers import SafeLoader  # CSafeLoader when libyaml is present

Path_ = tuple[str | int, ...]


@dataclass(slots=True)
class Problem:
    code: str
    position: Position
    message: str
    hint: str | None = None


@dataclass(slots=True)
class Located:
    """Parsed YAML plus where each part was written (1-based, in the enclosing file).

    Positions are only needed for diagnostics, so on the fast path they are worked out the
    first time they are asked for (`lazy` holds what that takes: the YAML text, or a function
    that reads it again, and the parse arguments). Positions asked for are kept in `memo`, which
    the validation cache stores with the file's record: a warning that recurs on every run does
    not parse its file's front matter again.
    """

    data: Any
    _keys: dict[Path_, Position] = field(default_factory=dict)
    _values: dict[Path_, Position] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    start: Position = field(default_factory=Position)
    lazy: tuple[str | Callable[[], str | None], int, int, int] | None = None
    memo: dict[tuple[Path_, bool], tuple[int, int]] | None = None
    memo_grew: bool = False  # a position was added to `memo` since it was made or loaded
    usual: bool = False  # read line by line (kb.yamlsimple): top-level keys are at the left margin, once each

    def _fill(self) -> None:
        if self.lazy is None:
            return
        text, offset, max_nodes, max_depth = self.lazy
        self.lazy = None
        if callable(text):
            text = text()
            if text is None:  # the file changed or vanished since it was read: no positions
                return
        try:
            full = _parse_located(text, offset, max_nodes, max_depth)
        except YamlError:  # pragma: no cover - the fast path accepted the same text
            return
        self._keys, self._values = full._keys, full._values

    @property
    def keys(self) -> dict[Path_, Position]:
        self._fill()
        return self._keys

    @property
    def values(self) -> dict[Path_, Position]:
        self._fill()
        return self._values

    def has_key(self, path: Path_) -> bool:
        """Is the key at `path` written in the document (even with an empty value)? Answered from
        the values, which hold every key the document wrote, without working out positions."""
        value = self.data
        for part in path:
            inside = part in value if isinstance(value, dict) else \
                isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
            if not inside:
                return False
            value = value[part]
        return True

    def at(self, path: Path_, *, key: bool = False) -> Position:
        """Position of the value (or key) at `path`, falling back to the nearest enclosing one."""
        memo = self.memo
        if memo is not None and (known := memo.get((path, key))) is not None:
            return Position(*known)
        found = self._at(path, key)
        # A new dict, never one changed in place: records share their first memo (`key_memo`).
        self.memo = {**(memo or {}), (path, key): (found.line, found.column)}
        self.memo_grew = True
        return found

    def key_memo(self, key: str) -> dict[tuple[Path_, bool], tuple[int, int]] | None:
        """The memo of the top-level `key`'s own position, found by looking at the text alone, for
        front matter of the usual shape (elsewhere, or without that key: None). Shared by every
        document with the key on the same line."""
        if not self.usual or self.lazy is None or not isinstance(self.lazy[0], str):
            return None
        text, offset = self.lazy[0], self.lazy[1]
        at = ("\n" + text).find(f"\n{key}:")
        if at < 0:
            return None
        line = text.count("\n", 0, at) + 1 + offset
        memo = _KEY_MEMOS.get((key, line))
        if memo is None:
            memo = {((key,), True): (line, 1)}
            if len(_KEY_MEMOS) < 1024:
                _KEY_MEMOS[(key, line)] = memo
        return memo

    def _at(self, path: Path_, key: bool) -> Position:
        table = self.keys if key else self.values
        for cut in range(len(path), 0, -1):
            found = table.get(path[:cut]) or (self.keys.get(path[:cut]) if not key else None)
            if found:
                return found
        return self.start


_KEY_MEMOS: dict[tuple[str, int], dict[tuple[Path_, bool], tuple[int, int]]] = {}


class YamlError(Exception):
    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


class _Budget:
    __slots__ = ("max_depth", "max_nodes", "nodes")

    def __init__(self, max_nodes: int, max_depth: int) -> None:
        self.nodes = 0
        self.max_nodes = max_nodes
        self.max_depth = max_depth


_scalars = yaml.constructor.SafeConstructor()
_Y = "tag:yaml.org,2002:"
_SCALAR_TAGS = frozenset(_Y + t for t in ("null", "bool", "int", "float", "str", "timestamp", "binary"))
_COLLECTION_TAGS = frozenset((_Y + "seq", _Y + "map"))


def parse(
    text: str,
    *,
    line_offset: int = 0,
    max_nodes: int = 20_000,
    max_depth: int = 32,
) -> Located:
    """Parse one YAML document. Raises YamlError for anything that stops parsing.

    `line_offset` is the number of file lines before the YAML text (1 for front matter that
    follows a `---` line), so positions point into the file the user edits.

    Fast paths: front matter of the usual shape is read line by line (kb.yamlsimple); other
    documents are parsed by libyaml, and the values built from its nodes. Positions are
    computed later, only for files that get a diagnostic. Anything unusual (anchors, merge
    keys, duplicate keys, tags, deep or huge documents, errors) takes the careful path, which
    reports it at the right line.
    """
    # The expression tries every position: look for its characters first (memchr speed).
    if not (("&" in text or "*" in text or "!" in text or "<<" in text) and _UNUSUAL.search(text)):
        usual = True
        try:
            try:  # the root is one node
                data = yamlsimple.load(text, max_nodes - 1, max_depth)
            except yamlsimple.Unusual:
                usual = False
                data = _fast_load(text, _Budget(max_nodes - 1, max_depth))
        except (yaml.YAMLError, _Unusual, TypeError, ValueError, OverflowError, RecursionError):
            pass  # the careful path reports it
        else:
            return Located(data=data, start=Position(line_offset + 1, 1),
                           lazy=(text, line_offset, max_nodes, max_depth), usual=usual)
    return _parse_located(text, line_offset, max_nodes, max_depth)


class _Unusual(Exception):
    """Something the fast path leaves to the careful one, which reports it at its line."""


class _FastLoader(SafeLoader):  # type: ignore[misc, valid-type]
    """libyaml's composer with the safe resolver, answering plain scalars' tags from the line
    reader's memo (`yamlsimple.plain_tag`): front matter repeats the same keys and values."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # A plain scalar's tag depends on its text alone.
        if kind is yaml.ScalarNode and implicit[0] and value:
            return yamlsimple.plain_tag(value)
        return super().resolve(kind, value, implicit)

    if not SafeLoader.yaml_path_resolvers:  # none are registered for the safe loader: skip the walk
        def descend_resolver(self, current_node: Any, current_index: Any) -> None:
            return None

        def ascend_resolver(self) -> None:
            return None


_STR, _MAP, _SEQ = _Y + "str", _Y + "map", _Y + "seq"

# Anchors/aliases, merge keys and explicit tags go the careful way.
_UNUSUAL = re.compile(r"(?:^|[\s\[{,:-])[&*!][^\s]|<<")


def _fast_load(text: str, budget: _Budget) -> Any:
    """The values of one YAML document, as PyYAML's safe loader makes them, built straight from
    libyaml's nodes: PyYAML's constructor keeps a table of every node it built and goes through
    generators for each mapping, which costs more than parsing. Duplicate or non-scalar keys,
    other tags and documents over the budget raise _Unusual."""
    loader = _FastLoader(text)
    try:
        node = loader.get_single_node()
    finally:
        loader.dispose()
    return None if node is None else _fast_build(node, budget, 0)


def _fast_build(node: Any, budget: _Budget, depth: int) -> Any:
    # Counted as the careful path counts: every key, value and item is a node.
    tag = node.tag
    if tag == _STR:
        return node.value
    if tag == _MAP:
        budget.nodes += 2 * len(node.value)
        if depth > budget.max_depth or budget.nodes > budget.max_nodes:
            raise _Unusual
        out = {}
        for key_node, value_node in node.value:
            if key_node.tag not in _SCALAR_TAGS or type(key_node) is not yaml.ScalarNode:
                raise _Unusual  # complex or tagged keys
            key = _fast_build(key_node, budget, depth + 1)
            if key in out:
                raise _Unusual  # a duplicate key
            out[key] = _fast_build(value_node, budget, depth + 1)
        return out
    if tag == _SEQ:
        budget.nodes += len(node.value)
        if depth > budget.max_depth or budget.nodes > budget.max_nodes:
            raise _Unusual
        return [_fast_build(item, budget, depth + 1) for item in node.value]
    if tag not in _SCALAR_TAGS or type(node) is not yaml.ScalarNode:
        raise _Unusual  # sets, ordered maps, pairs and custom tags
    return _scalars.yaml_constructors[tag](_scalars, node)


def _parse_located(text: str, line_offset: int, max_nodes: int, max_depth: int) -> Located:
    try:
        node = yaml.compose(text, Loader=SafeLoader)
    except yaml.MarkedYAMLError as exc:
        raise YamlError(_from_marked(exc, text, line_offset)) from None
    except yaml.YAMLError as exc:  # pragma: no cover - libyaml always marks its errors
        raise YamlError(Problem("KB005", Position(line_offset + 1, 1), str(exc))) from None
    out = Located(data=None, start=Position(line_offset + 1, 1))
    if node is None:
        return out
    budget = _Budget(max_nodes, max_depth)
    out.data = _build(node, (), out, budget, line_offset, depth=0)
    return out


def _pos(mark: Any, line_offset: int) -> Position:
    return Position(mark.line + 1 + line_offset, mark.column + 1)


def _char_at(text: str, mark: Any) -> str:
    lines = text.split("\n")
    if mark is None or mark.line >= len(lines):
        return ""
    line = lines[mark.line]
    return line[mark.column] if mark.column < len(line) else ""


def _from_marked(exc: yaml.MarkedYAMLError, text: str, line_offset: int) -> Problem:
    mark = exc.problem_mark or exc.context_mark
    pos = _pos(mark, line_offset) if mark else Position(line_offset + 1, 1)
    problem = (exc.problem or "invalid YAML").strip()
    context = (exc.context or "").strip()
    if exc.context_mark is not None and exc.problem_mark is not None and exc.context_mark.line != mark.line:
        context += f" started at line {exc.context_mark.line + 1 + line_offset}"
    if _char_at(text, exc.problem_mark) == "\t" or "tab" in problem.lower():
        return Problem("KB013", pos, "tab character in front matter", "indent YAML with spaces, not tabs")
    if "maximum nesting depth" in problem:
        return Problem("KB009", pos, "front matter nests too deeply", "front matter is flat metadata")
    message = f"{problem} ({context})" if context else problem
    hint = None
    if "mapping values are not allowed" in problem:
        hint = 'quote the value: a `: ` inside a value must be written "like: this"'
    elif "could not find expected ':'" in problem or "expected <block end>" in problem:
        hint = "check the indentation and that every line is `key: value`"
    elif "found undefined alias" in problem:
        hint = "`*` starts an alias in YAML; quote the value"
    elif "found character that cannot start any token" in problem:
        hint = "quote the value; `@` and `` ` `` cannot start a plain YAML value"
    return Problem("KB005", pos, f"invalid YAML: {message}", hint)


def _build(node: yaml.Node, path: Path_, out: Located, budget: _Budget, off: int, depth: int) -> Any:
    budget.nodes += 1
    if budget.nodes > budget.max_nodes:
        raise YamlError(
            Problem(
                "KB009",
                _pos(node.start_mark, off),
                f"front matter expands to more than {budget.max_nodes} values (aliases?)",
                "write values out instead of using anchors (&) and aliases (*)",
            )
        )
    if depth > budget.max_depth:
        raise YamlError(
            Problem(
                "KB009",
                _pos(node.start_mark, off),
                f"front matter nests deeper than {budget.max_depth} levels",
                "front matter is flat metadata",
            )
        )
    out._values.setdefault(path, _pos(node.start_mark, off))
    if isinstance(node, yaml.ScalarNode):
        if node.tag.endswith((":merge", ":value")):
            return node.value  # `<<` and `=` are plain keys here; the schema then rejects them
        # Call the scalar constructors directly: SafeConstructor.construct_object would cache
        # every node it ever saw.
        constructor = _scalars.yaml_constructors.get(node.tag) if node.tag in _SCALAR_TAGS else None
        if constructor is None:
            raise YamlError(
                Problem(
                    "KB005",
                    _pos(node.start_mark, off),
                    f"unsupported YAML tag `{node.tag}`",
                    "custom tags (`!foo`, `!!python/...`) are not allowed; quote the value",
                )
            )
        try:
            return constructor(_scalars, node)
        except (yaml.YAMLError, ValueError, OverflowError, TypeError) as exc:
            raise YamlError(
                Problem("KB005", _pos(node.start_mark, off), f"invalid YAML value: {exc}", "quote the value")
            ) from None
    if node.tag not in _COLLECTION_TAGS:
        raise YamlError(
            Problem(
                "KB005",
                _pos(node.start_mark, off),
                f"unsupported YAML tag `{node.tag}`",
                "custom tags are not allowed in front matter; remove the tag",
            )
        )
    if isinstance(node, yaml.SequenceNode):
        return [_build(item, (*path, i), out, budget, off, depth + 1) for i, item in enumerate(node.value)]
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        budget.nodes += 1
        if not isinstance(key_node, yaml.ScalarNode):
            raise YamlError(
                Problem("KB005", _pos(key_node.start_mark, off), "keys must be plain words, not lists or mappings")
            )
        key = _build(key_node, (*path, "<key>"), out, budget, off, depth + 1)
        try:
            hash(key)
        except TypeError:  # pragma: no cover - scalars are hashable
            key = str(key)
        key_pos = _pos(key_node.start_mark, off)
        if key in result:
            first = out._keys.get((*path, key))
            where = f" (first at line {first.line})" if first else ""
            out.problems.append(
                Problem("KB007", key_pos, f"duplicate key `{key}`{where}",
                        "delete one of the two; YAML keeps only the last")
            )
        child = (*path, key)
        out._keys[child] = key_pos
        out._values[child] = _pos(value_node.start_mark, off)
        result[key] = _build(value_node, child, out, budget, off, depth + 1)
    out._values.pop((*path, "<key>"), None)
    return result
