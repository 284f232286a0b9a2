"""Passages: how a document's text is cut into the units that are searched and shown.

A passage is a paragraph (a Markdown block: paragraph, list, quote, table or code), with a heading
joined to the block after it. Paragraphs longer than the limit are cut at sentence ends, lists and
quotes between items; tables and code stay whole, since a piece of one does not render. A PDF's
passages never cross a page: each carries its page number.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from search_app.corpus.rendering import is_http_url, markdown_to_text

_FENCE = re.compile(r"^\s*(```|~~~)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s")
_ITEM = re.compile(r"^\s{0,3}(?:[-*+]|\d{1,9}[.)]|>)\s")
_TABLE = re.compile(r"^\s*\|")
_SENTENCE_END = re.compile(r"[.!?؟…][\"'”’)\]]*\s+")
_LINE_END_HYPHEN = re.compile(r"(\w)-\n(\w)")
#: A reference-style link definition: ``[label]: url "optional title"``.
_DEFINITION = re.compile(
    r"^ {0,3}\[([^\]]+)\]:[ \t]*<?(\S+?)>?(?:[ \t]+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?[ \t]*$",
    re.MULTILINE,
)
_CLAUSE_END = re.compile(r"[.!?؟…:;,،؛\"”’)\]]$")
_HEADING_CHARS = 100
_HEADING_WORDS = 12


@dataclass(frozen=True)
class Passage:
    """A searchable unit: a paragraph, or a sentence-bounded piece of a long one."""

    number: int
    text: str
    markdown: str | None = None
    page: int | None = None
    #: read by OCR from a scan: the text may have errors
    ocr: bool = False


def markdown_blocks(body: str) -> Iterator[str]:
    """Yield the blocks of a Markdown body: paragraphs, lists, fenced code; headings join the
    block that follows them."""
    block: list[str] = []
    heading: list[str] = []
    in_fence = False
    for line in body.split("\n") + [""]:
        if _FENCE.match(line):
            in_fence = not in_fence
        if line.strip() or in_fence:
            block.append(line)
            continue
        if not block:
            continue
        text = "\n".join(block).strip("\n")
        block = []
        if _HEADING.match(text) and "\n" not in text.strip():
            heading.append(text)
            continue
        yield "\n\n".join([*heading, text])
        heading = []
    if heading:
        yield "\n\n".join(heading)


def _sentences(text: str) -> Iterator[str]:
    start = 0
    for end in _SENTENCE_END.finditer(text):
        yield text[start : end.end()].rstrip()
        start = end.end()
    if text[start:].strip():
        yield text[start:].rstrip()


def split_sentences(text: str, max_chars: int) -> list[str]:
    """Cut ``text`` at sentence ends into pieces of at most ``max_chars`` where possible.

    A single sentence longer than ``max_chars`` stays whole: cutting mid-sentence would break
    phrases and highlights.
    """
    if len(text) <= max_chars:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in _sentences(text):
        candidate = f"{current} {sentence}" if current else sentence
        if current and len(candidate) > max_chars:
            pieces.append(current)
            current = sentence
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def split_lines(block: str, max_chars: int) -> list[str]:
    """Cut a list or quote between items into pieces of at most ``max_chars`` where possible.

    A line that does not start an item continues the one before it and stays with it.
    """
    pieces: list[str] = []
    for line in block.split("\n"):
        fits = bool(pieces) and len(pieces[-1]) + 1 + len(line) <= max_chars
        if pieces and (fits or not _ITEM.match(line)):
            pieces[-1] += "\n" + line
        else:
            pieces.append(line)
    return pieces


def _split_block(block: str, max_chars: int) -> list[str]:
    lines = [line for line in block.split("\n") if line.strip() and not _HEADING.match(line)]
    first = lines[0] if lines else ""
    if len(block) <= max_chars or _FENCE.match(block) or _TABLE.match(first):
        return [block]  # code and tables stay whole: a piece of one does not render
    if _ITEM.match(first):
        return split_lines(block, max_chars)
    return split_sentences(block, max_chars)


def _link_definitions(blocks: list[str]) -> dict[str, str]:
    """Map the label of each ``[label]: https://…`` definition (outside code) to its line."""
    definitions: dict[str, str] = {}
    for block in blocks:
        if not _FENCE.match(block):
            for match in _DEFINITION.finditer(block):
                if is_http_url(match.group(2)):  # the last one wins, as in Python-Markdown
                    definitions[_label(match.group(1))] = match.group().strip()
    return definitions


def _label(text: str) -> str:
    return " ".join(text.lower().split())  # labels match regardless of case and spacing


def _with_definitions(piece: str, definitions: dict[str, str]) -> str:
    """Append the link definitions ``piece`` refers to: each passage is rendered on its own."""
    used = _label(piece)
    missing = [
        line
        for label, line in definitions.items()
        if f"[{label}]" in used and f"[{label}]:" not in used  # used, and not defined here
    ]
    return "\n\n".join([piece, "\n".join(missing)]) if missing else piece


def markdown_passages(body: str, max_chars: int) -> list[Passage]:
    """Cut a Markdown body into numbered passages (from 1), keeping each one's Markdown.

    A passage that uses a reference-style link (``[text][ref]``) carries the link's definition
    (``[ref]: https://…``, wherever it stands in the document), so that it renders alone.
    """
    blocks = list(markdown_blocks(body))
    definitions = _link_definitions(blocks)
    passages: list[Passage] = []
    for block in blocks:
        for piece in _split_block(block, max_chars):
            piece = _with_definitions(piece, definitions) if definitions else piece
            text = markdown_to_text(piece)
            if text:
                passages.append(Passage(len(passages) + 1, text, markdown=piece))
    return passages


def text_passages(body: str, max_chars: int) -> list[Passage]:
    """Cut plain text into numbered passages at blank lines, then at sentence ends."""
    passages: list[Passage] = []
    for block in re.split(r"\n\s*\n", body):
        block = block.strip()
        for piece in split_sentences(block, max_chars) if block else []:
            passages.append(Passage(len(passages) + 1, piece))
    return passages


def looks_like_heading(block: str) -> bool:
    """Tell whether a paragraph of a PDF page is a heading: a short line of words that does not
    end a sentence or a clause."""
    return (
        len(block) <= _HEADING_CHARS
        and len(block.split()) <= _HEADING_WORDS
        and not _CLAUSE_END.search(block)
        and any(char.isalpha() for char in block)
    )


def page_passages(
    pages: list[str], max_chars: int, ocr_pages: frozenset[int] = frozenset(), paged: bool = True
) -> list[Passage]:
    """Cut the text of each page (a PDF's, or a scan's) into passages that carry their page
    number (when ``paged``) and whether OCR read them (pages in ``ocr_pages``).

    Lines are joined (words hyphenated across a line end are rejoined); blank lines separate
    paragraphs; a heading joins the paragraph after it on its page, so it never outranks it.
    """
    passages: list[Passage] = []
    for number, text in enumerate(pages, start=1):
        text = _LINE_END_HYPHEN.sub(r"\1\2", text.replace("\r", ""))
        blocks = [" ".join(block.split()) for block in re.split(r"\n\s*\n", text)]
        blocks = [block for block in blocks if block]
        heading = ""
        for index, block in enumerate(blocks):
            if index + 1 < len(blocks) and looks_like_heading(block):
                heading = f"{heading}\n{block}" if heading else block
                continue
            pieces = split_sentences(block, max_chars)
            if heading:
                pieces[0] = f"{heading}\n{pieces[0]}"
                heading = ""
            for piece in pieces:
                passages.append(
                    Passage(
                        len(passages) + 1,
                        piece,
                        page=number if paged else None,
                        ocr=number in ocr_pages,
                    )  # fmt: skip
                )
    return passages
