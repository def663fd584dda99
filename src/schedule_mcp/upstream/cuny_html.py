"""HTML plumbing for the Global Search parsers: decoding, cleaning, a nesting guard, cells.

`parse_html` refuses pages nested deeper than `MAX_DEPTH` with a linear scan before any
tree is built (docs/reliability.md FZ-2).
"""

from __future__ import annotations

import re
import unicodedata

from selectolax.lexbor import LexborHTMLParser, LexborNode

from schedule_mcp.errors import ParseError
from schedule_mcp.upstream.sanitize import clean_text


def decode_page(content: bytes, content_type: str | None = None) -> str:
    """Decode a CUNY body: the declared charset, else ISO-8859-1 (as cuny_scouter forces)."""
    charset = "iso-8859-1"
    if content_type:
        match = re.search(r"charset=([\w.-]+)", content_type, re.IGNORECASE)
        if match:
            charset = match[1]
    try:
        return content.decode(charset, errors="replace")
    except LookupError:
        return content.decode("iso-8859-1")


def clean(text: str) -> str:
    """One line of scraped text: NBSP to space, control/format characters removed, spaces
    collapsed."""
    kept = "".join(
        " " if ch in "\xa0\t\r\n" else ch
        for ch in text
        if ch in "\xa0\t\r\n" or unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"}
    )
    return " ".join(kept.split())


def field(text: str, max_len: int = 300) -> str:
    """A scraped value: `clean`, then the shared untrusted-text sanitiser (length cap)."""
    return clean_text(clean(text), max_len, html=False)


def snippet_of(node: LexborNode | None, html: str = "") -> str:
    if node is not None:
        return (node.html or "")[:300]
    return html[:300]


MAX_DEPTH = 512
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)[^>]*?(/?)>")
_VOID = ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param")
_OPTIONAL_END = ("p", "li", "td", "th", "tr", "option", "optgroup", "dt", "dd", "tbody", "thead")
_NO_DEPTH = frozenset((*_VOID, "source", "track", "wbr", *_OPTIONAL_END, "tfoot", "colgroup"))


def nesting_depth(html: str, limit: int = MAX_DEPTH) -> int:
    """Approximate element nesting depth (stops counting past `limit`).

    HTML tree building is quadratic in depth, so hostile deeply nested pages are refused
    before they reach the parser (FZ-2: <= 1 s per MB).
    """
    depth = deepest = 0
    for match in _TAG.finditer(html):
        if match[2].lower() in _NO_DEPTH or match[3]:
            continue
        if match[1]:
            depth = max(0, depth - 1)
        else:
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    break
    return deepest


def parse_html(html: str, page: str) -> LexborHTMLParser:
    if nesting_depth(html) > MAX_DEPTH:
        raise ParseError(
            f"elements nested deeper than {MAX_DEPTH}; not a Global Search page",
            page=page,
            selector="*",
            snippet=html[:300],
        )
    return LexborHTMLParser(html)


def page_kind_hint(tree: LexborHTMLParser) -> str:
    """Name a well-known wrong page so the error says what came back."""
    text = clean(tree.body.text() if tree.body is not None else "").lower()
    if tree.css_first("input[type=password]") is not None or "login" in text:
        return " (looks like a login page)"
    if "maintenance" in text or "unavailable" in text:
        return " (looks like a maintenance page)"
    if "captcha" in text:
        return " (looks like a captcha page)"
    return ""


def cell_lines(node: LexborNode) -> list[str]:
    """A cell's lines: text nodes joined, `<br>` starts a new line (§2.9 multi-line cells)."""
    lines: list[list[str]] = [[]]
    for child in node.traverse(include_text=True):
        if child is node:
            continue
        if child.tag == "br":
            lines.append([])
        elif child.tag == "-text":
            lines[-1].append(child.text_content or "")
    return [field("".join(parts)) for parts in lines]


def next_element(node: LexborNode) -> LexborNode | None:
    sibling = node.next
    while sibling is not None and not sibling.is_element_node:
        sibling = sibling.next
    return sibling
