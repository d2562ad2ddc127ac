"""Asking for values on a terminal: numbered choices with their Chinese labels, free text, yes/no.

Choices come from the caller (enums of the schema, registries); nothing here knows a field.
Questions and lists go to the error stream, so `kb new --stdout` keeps standard output clean.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TextIO

LIST_ONE_PER_LINE = 24  # longer lists are printed several to a line


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str = ""  # the Chinese label of an enum value, a person's or a product's name

    def shown(self) -> str:
        return f"{self.value} ({self.label})" if self.label and self.label != self.value else self.value


def match(answer: str, choices: Sequence[Choice]) -> Choice | None:
    """The choice an answer names: its value (any case) or its label, e.g. `serious` or `严重`."""
    text = answer.strip()
    lowered = text.lower()
    return next((c for c in choices if c.value.lower() == lowered), None) or next(
        (c for c in choices if c.label and c.label == text), None)


def allowed(choices: Sequence[Choice], limit: int = 40) -> str:
    """`a (甲), b (乙), ...` for messages; a long list is cut with a count of the rest."""
    shown = ", ".join(c.shown() for c in choices[:limit])
    return shown + (f", ... and {len(choices) - limit} more" if len(choices) > limit else "")


class Aborted(Exception):
    """The person ended the input (Ctrl-D) before answering."""


class Prompter:
    def __init__(self, stdin: TextIO, out: TextIO) -> None:
        self.stdin, self.out = stdin, out

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def _read(self, prompt: str) -> str:
        self.out.write(prompt)
        self.out.flush()
        line = self.stdin.readline()
        if not line:
            raise Aborted
        return line.strip()

    def _list(self, choices: Sequence[Choice]) -> None:
        items = [f"{i:>3}) {c.shown()}" for i, c in enumerate(choices, 1)]
        if len(items) <= LIST_ONE_PER_LINE:
            for item in items:
                self.say(item)
            return
        width = max(len(s) for s in items) + 2
        per_line = max(1, 96 // width)
        for start in range(0, len(items), per_line):
            self.say("".join(s.ljust(width) for s in items[start:start + per_line]).rstrip())

    def _pick(self, answer: str, choices: Sequence[Choice]) -> Choice | None:
        if answer.isdigit() and 1 <= int(answer) <= len(choices):
            return choices[int(answer) - 1]
        return match(answer, choices)

    def choose(self, question: str, choices: Sequence[Choice], *, default: str | None = None,
               optional: bool = False) -> str | None:
        """One of `choices`, by number, value or label. Enter takes the default; on an optional
        question without default it leaves the value empty."""
        self.say(question)
        self._list(choices)
        hint = f" [{default}]" if default else (" (Enter to skip)" if optional else "")
        while True:
            answer = self._read(f"  number, value or label{hint}: ")
            if not answer:
                if default or optional:
                    return default
                continue
            picked = self._pick(answer, choices)
            if picked is not None:
                return picked.value
            self.say(f"  `{answer}` is not one of the choices above")

    def choose_many(self, question: str, choices: Sequence[Choice], *, optional: bool = True) -> list[str]:
        """Several of `choices`, separated by commas or spaces."""
        self.say(question)
        self._list(choices)
        hint = " (Enter for none)" if optional else ""
        while True:
            answer = self._read(f"  numbers, values or labels, separated by commas{hint}: ")
            if not answer:
                if optional:
                    return []
                continue
            parts = [p for p in answer.replace("，", ",").replace(",", " ").split() if p]
            picked = [self._pick(p, choices) for p in parts]
            bad = [p for p, c in zip(parts, picked, strict=True) if c is None]
            if bad:
                self.say("  not among the choices: " + ", ".join(f"`{b}`" for b in bad))
                continue
            return list(dict.fromkeys(c.value for c in picked if c is not None))

    def text(self, question: str, *, default: str | None = None, optional: bool = False,
             check: Callable[[str], str | None] | None = None) -> str | None:
        """Free text; `check` returns a message saying what is wrong, or None when it is fine."""
        hint = f" [{default}]" if default else (" (Enter to skip)" if optional else "")
        while True:
            answer = self._read(f"{question}{hint}: ")
            if not answer:
                if default is not None:
                    answer = default
                elif optional:
                    return None
                else:
                    continue
            problem = check(answer) if check else None
            if problem is None:
                return answer
            self.say(f"  {problem}")

    def confirm(self, question: str, *, default: bool = True) -> bool:
        hint = "[Y/n]" if default else "[y/N]"
        while True:
            answer = self._read(f"{question} {hint} ").lower()
            if not answer:
                return default
            if answer in ("y", "yes", "是", "好"):
                return True
            if answer in ("n", "no", "否", "不"):
                return False
