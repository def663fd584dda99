"""Simple paths into JSON data: `result.schedules[0].class_numbers`, `courses[*].code`.

A path is dot-separated keys, each optionally followed by `[n]` (negative counts from the
end) or `[*]` (every element). `[*]` fans out, so a path can match many values; the empty
path is the whole document.
"""

from __future__ import annotations

import re
from typing import Any

_SEGMENT = re.compile(r"^(?P<key>[^\[\]]*)(?P<index>(\[(-?\d+|\*)\])*)$")
_INDEX = re.compile(r"\[(-?\d+|\*)\]")


class PathError(LookupError):
    """The path does not exist in the data (or is malformed)."""


def _tokens(path: str) -> list[str | int]:
    tokens: list[str | int] = []
    if not path.strip():
        return tokens
    for part in path.split("."):
        match = _SEGMENT.match(part)
        if match is None:
            raise PathError(f"malformed path segment {part!r} in {path!r}")
        if match["key"]:
            tokens.append(match["key"])
        tokens.extend("*" if i == "*" else int(i) for i in _INDEX.findall(match["index"]))
    return tokens


def has_wildcard(path: str) -> bool:
    return "[*]" in path


def resolve(data: Any, path: str) -> list[Any]:
    """Every value the path matches (one without `[*]`); PathError when one is missing."""
    current: list[tuple[str, Any]] = [("", data)]
    for token in _tokens(path):
        following: list[tuple[str, Any]] = []
        for where, value in current:
            if token == "*":
                if not isinstance(value, list):
                    raise PathError(f"{where or 'root'} is not a list")
                following += [(f"{where}[{i}]", item) for i, item in enumerate(value)]
            elif isinstance(token, int):
                if not isinstance(value, list):
                    raise PathError(f"{where or 'root'} is not a list")
                if not -len(value) <= token < len(value):
                    raise PathError(f"{where or 'root'}[{token}] is out of range ({len(value)})")
                following.append((f"{where}[{token}]", value[token]))
            else:
                if not isinstance(value, dict) or token not in value:
                    keys = ", ".join(sorted(value)) if isinstance(value, dict) else type(value)
                    raise PathError(f"{where or 'root'} has no key {token!r} (has: {keys})")
                following.append((f"{where}.{token}" if where else token, value[token]))
        current = following
    return [value for _, value in current]


def resolve_one(data: Any, path: str) -> Any:
    values = resolve(data, path)
    if has_wildcard(path):
        return values
    return values[0]
