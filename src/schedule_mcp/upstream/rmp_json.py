"""Typed access into RateMyProfessors GraphQL payloads: ids, errors, connections, edges.

The parsers in `rmp_parse` read every value through `JsonReader`, so a wrong shape is a
`ParseError` naming the query and the JSON path (docs/upstream-formats.md §3.2-3.3).
"""

from __future__ import annotations

import base64
import binascii
import json
import math
from typing import Any

from schedule_mcp.errors import ParseError, UpstreamError
from schedule_mcp.upstream.sanitize import clean_text


class RmpGraphQLError(UpstreamError):
    """RMP answered HTTP 200 with a top-level GraphQL `errors` list."""


class RmpAuthError(UpstreamError):
    """RMP refused the request (401/403): the API or its auth expectations changed."""


def node_id(kind: str, legacy_id: int) -> str:
    """Relay id: base64("School-222") etc. (§3.2)."""
    return base64.b64encode(f"{kind}-{legacy_id}".encode()).decode()


def legacy_id_of(relay_id: str, kind: str) -> int | None:
    """The legacy id inside a relay id, or None when it is not a `kind` id."""
    try:
        text = base64.b64decode(relay_id, validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    prefix = f"{kind}-"
    if text.startswith(prefix) and text[len(prefix) :].isdigit():
        return int(text[len(prefix) :])
    return None


class JsonReader:
    """Typed access into one JSON payload; a wrong shape is a ParseError with the path."""

    def __init__(self, page: str, payload: Any) -> None:
        self.page = page
        self.payload = payload

    def fail(self, path: str, message: str, value: Any) -> ParseError:
        try:
            snippet = json.dumps(value, default=str)[:300]
        except (TypeError, ValueError):
            snippet = repr(value)[:300]
        return ParseError(message, page=self.page, selector=path, snippet=snippet)

    def obj(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "expected a JSON object", value)
        return value

    def lst(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self.fail(path, "expected a JSON array", value)
        return value

    def string(self, value: Any, path: str, *, optional: bool = False) -> str:
        if value is None and optional:
            return ""
        if not isinstance(value, str):
            raise self.fail(path, "expected a string", value)
        return value

    def integer(self, value: Any, path: str, *, default: int | None = None) -> int:
        if value is None and default is not None:
            return default
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, "expected an integer", value)
        if isinstance(value, float) and (not math.isfinite(value) or not value.is_integer()):
            raise self.fail(path, "expected an integer", value)
        return int(value)

    def number(self, value: Any, path: str, *, optional: bool = False) -> float | None:
        if value is None and optional:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.fail(path, "expected a number", value)
        if not math.isfinite(value):
            raise self.fail(path, "expected a finite number", value)
        return float(value)

    def boolean(self, value: Any, path: str, default: bool) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            raise self.fail(path, "expected a boolean", value)
        return value


def decode_json(content: bytes, page: str) -> Any:
    """Bytes -> JSON, or a ParseError (an HTML error page, truncated JSON, bad UTF-8)."""
    try:
        return json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise ParseError(
            f"response is not JSON ({exc.__class__.__name__})",
            page=page,
            selector="$",
            snippet=content[:300].decode("utf-8", "replace"),
        ) from None


def graphql_data(reader: JsonReader) -> dict[str, Any]:
    """The `data` object; a non-empty GraphQL `errors` list raises RmpGraphQLError."""
    root = reader.obj(reader.payload, "$")
    errors = root.get("errors")
    if errors:
        messages = []
        for error in errors if isinstance(errors, list) else [errors]:
            message = error.get("message") if isinstance(error, dict) else error
            messages.append(clean_text(str(message), 120))
        raise RmpGraphQLError(
            f"{reader.page}: GraphQL errors: {'; '.join(messages)[:300]}",
            host="ratemyprofessors",
            hint="RateMyProfessors rejected the query; its API may have changed.",
        )
    return reader.obj(root.get("data"), "$.data")


def search_connection(
    reader: JsonReader, data: dict[str, Any], name: str
) -> tuple[dict[str, Any], str]:
    """`data.search.<name>` or `data.newSearch.<name>` (the alias trap of §3.3)."""
    for root in ("search", "newSearch"):
        holder = data.get(root)
        if isinstance(holder, dict) and name in holder:
            path = f"$.data.{root}.{name}"
            return reader.obj(holder[name], path), path
    raise reader.fail(f"$.data.search.{name}", f"no {name} connection", data)


def page_info(reader: JsonReader, connection: dict[str, Any], path: str) -> tuple[bool, str | None]:
    info = connection.get("pageInfo")
    if info is None:
        return False, None
    info = reader.obj(info, f"{path}.pageInfo")
    has_next = reader.boolean(info.get("hasNextPage"), f"{path}.pageInfo.hasNextPage", False)
    end = info.get("endCursor")
    end_cursor = reader.string(end, f"{path}.pageInfo.endCursor") if end is not None else None
    return has_next, end_cursor


def edge_nodes(reader: JsonReader, connection: dict[str, Any], path: str) -> list[tuple[str, Any]]:
    edges = reader.lst(connection.get("edges"), f"{path}.edges")
    nodes = []
    for index, edge in enumerate(edges):
        edge_path = f"{path}.edges[{index}]"
        nodes.append((f"{edge_path}.node", reader.obj(edge, edge_path).get("node")))
    return nodes
