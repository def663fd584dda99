"""Make scraped strings safe to show a model: every scraped string is untrusted (SEC-12).

Pure functions. ``clean_review`` (multi-line, capped at 2,000 characters) is for review text;
``clean_text`` (one line, capped at 200) for names, titles and other short fields. Both:
- strip HTML: tags go, ``<script>``/``<style>`` content goes, entities are decoded (once);
- remove C0/C1 controls except newline and tab, every format character (Unicode category Cf:
  zero-width U+200B-U+200D/U+2060/U+FEFF, bidi U+200E/U+200F/U+202A-U+202E/U+2066-U+2069,
  U+061C, soft hyphen...), Unicode tag characters U+E0000-U+E007F, lone surrogates and
  noncharacters, all of which can hide or reorder instructions;
- normalise whitespace and Unicode (NFC), then cap the length with a visible marker.
Removal happens after entity decoding, so ``&#x200B;`` cannot smuggle a zero-width space in.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

TRUNCATION_MARKER = "… [truncated]"
REVIEW_MAX_CHARS = 2000
TEXT_MAX_CHARS = 200
# Bound the work done on hostile input: nothing past this many characters can survive a cap.
_RAW_INPUT_LIMIT = 200_000
_DROPPED_ELEMENTS = frozenset({"script", "style", "template", "noscript", "iframe", "object"})
_BLOCK_ELEMENTS = frozenset(
    {"br", "p", "div", "li", "ul", "ol", "tr", "table", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x0b\x0c\x85]")
_SPACES = re.compile(r"[^\S\n]+")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_ANY_WHITESPACE = re.compile(r"\s+")


class _TextExtractor(HTMLParser):
    """Collects text nodes, skipping the content of script-like elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED_ELEMENTS:
            self._skip_depth += 1
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_ELEMENTS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED_ELEMENTS:
            self._skip_depth = max(0, self._skip_depth - 1)
        elif tag in _BLOCK_ELEMENTS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self.parts.append(data)


def strip_html(text: str) -> str:
    """Text content of an HTML fragment: tags and script/style bodies removed, entities decoded."""
    if "<" not in text and "&" not in text:
        return text
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def _is_unsafe(char: str) -> bool:
    code = ord(char)
    if char in "\n\t":
        return False
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return True
    if 0xE0000 <= code <= 0xE007F:
        return True
    if (0xFDD0 <= code <= 0xFDEF) or (code & 0xFFFE) == 0xFFFE:
        return True
    return unicodedata.category(char) in ("Cf", "Cs", "Cc")


def remove_unsafe_chars(text: str) -> str:
    """Drop controls (but not newline/tab), format/bidi/zero-width/tag characters, surrogates."""
    return "".join(ch for ch in text if not _is_unsafe(ch))


def normalize_whitespace(text: str, *, keep_newlines: bool) -> str:
    """Collapse runs of spaces; keep at most one blank line (or flatten to one line)."""
    text = _LINE_BREAKS.sub("\n", text)
    if not keep_newlines:
        return _ANY_WHITESPACE.sub(" ", text).strip()
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_NEWLINES.sub("\n\n", "\n".join(lines)).strip()


def truncate(text: str, max_len: int, marker: str = TRUNCATION_MARKER) -> str:
    """``text`` if it fits in ``max_len`` characters, else a prefix plus ``marker`` (total <= max_len)."""
    if len(text) <= max_len:
        return text
    if max_len <= len(marker):
        return text[:max_len].rstrip()
    return text[: max_len - len(marker)].rstrip() + marker


def _clean(text: str | None, max_len: int, *, keep_newlines: bool, html: bool) -> str:
    if not text:
        return ""
    text = _LINE_BREAKS.sub("\n", text[:_RAW_INPUT_LIMIT])
    text = remove_unsafe_chars(text)  # before parsing too: controls can split tag names
    if html:
        text = strip_html(text)
    text = remove_unsafe_chars(unicodedata.normalize("NFC", text))
    return truncate(normalize_whitespace(text, keep_newlines=keep_newlines), max_len)


def clean_text(text: str | None, max_len: int = TEXT_MAX_CHARS, *, html: bool = True) -> str:
    """A short scraped field (name, title, department) as one safe line of at most ``max_len``."""
    return _clean(text, max_len, keep_newlines=False, html=html)


def clean_review(text: str | None, max_len: int = REVIEW_MAX_CHARS, *, html: bool = True) -> str:
    """Review text: safe, paragraphs kept, at most ``max_len`` characters with a marker."""
    return _clean(text, max_len, keep_newlines=True, html=html)
