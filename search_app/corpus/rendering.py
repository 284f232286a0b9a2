"""Turn document text into safe HTML and plain text.

Documents are untrusted: their Markdown may carry raw HTML, scripts or ``javascript:`` links. All
rendered Markdown passes through an allow-list sanitizer (nh3) that keeps only text markup and
links to ``http``/``https`` URLs. Plain text is escaped. Everything here returns ``str``; the web
layer decides, in one place, what counts as already-safe markup.
"""

from __future__ import annotations

import html
import re
import threading
from collections.abc import Callable
from html.parser import HTMLParser

import markdown as markdown_lib
import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "li", "ol", "p", "pre", "q", "s", "strong", "sub", "sup", "table", "tbody", "td",
    "th", "thead", "tr", "ul",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}, "td": {"align"}, "th": {"align"}}
URL_SCHEMES = {"http", "https"}
_HTTP_URL = re.compile(r"^https?://[^\s]+$", re.IGNORECASE)
#: C0 and C1 control characters and DEL: a terminal obeys them, a URL parser drops some of them.
CONTROL_CHARACTERS = re.compile("[\x00-\x1f\x7f-\x9f]")
#: Bidi embeddings, overrides and isolates: text can use them to reorder what surrounds it.
#: (The marks U+200E/U+200F and the zero-width (non-)joiners are harmless and stay.)
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def strip_bidi_controls(text: str) -> str:
    """Drop the bidi controls that reorder text, for display (the index keeps the text as is)."""
    return BIDI_CONTROLS.sub("", text)


def is_http_url(value: str | None) -> bool:
    """Tell whether ``value`` is an absolute http(s) URL, the only kind we ever link to."""
    return bool(value) and bool(_HTTP_URL.match(value))


_FENCE_LINE = re.compile(r"^\s*(```|~~~)")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")


def escape_raw_html(markdown: str) -> str:
    """Make text that looks like HTML in extracted Markdown show as text, not as markup.

    An extractor's Markdown is the visible text of a file with its structure; a ``<script>`` in
    it is words the page showed (written ``&lt;script&gt;`` in its HTML), which the sanitizer
    would otherwise drop with their content. Outside code (which Markdown escapes itself), ``&``
    and ``<`` (also as ``\\<``) become entities.
    """
    lines = markdown.split("\n")
    in_fence = False
    for number, line in enumerate(lines):
        if _FENCE_LINE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            lines[number] = _escape_outside_code_spans(line)
    return "\n".join(lines)


def _escape_outside_code_spans(line: str) -> str:
    out: list[str] = []
    position = 0
    for span in _CODE_SPAN.finditer(line):
        out.append(_escape_text(line[position : span.start()]))
        out.append(span.group())
        position = span.end()
    out.append(_escape_text(line[position:]))
    return "".join(out)


def _escape_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("\\<", "&lt;").replace("<", "&lt;")


_converters = threading.local()


def _converter() -> markdown_lib.Markdown:
    """Return this thread's Markdown converter: building one (parser, extensions, patterns)
    cost more than rendering a passage, and a converter is not safe to share between threads."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown_lib.Markdown(
            extensions=["tables", "fenced_code"]
        )
    return converter


def markdown_to_html(source: str) -> str:
    """Render Markdown to sanitized HTML: no scripts, no styles, links only to http(s)."""
    converter = _converter()
    try:
        raw = converter.convert(source)
    finally:
        converter.reset()  # nothing of one document (references, abbreviations) reaches the next
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        attribute_filter=_only_http_links,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        clean_content_tags={"script", "style"},
    )


def _only_http_links(tag: str, attribute: str, value: str) -> str | None:
    """Drop relative and scheme-less links too (``//host``, ``page.html``): only http(s)."""
    if attribute == "href" and not is_http_url(value):
        return None
    return value


def text_to_html(text: str) -> str:
    """Render plain text as one escaped paragraph, keeping its line breaks."""
    lines = (html.escape(line) for line in text.split("\n"))
    return "<p>" + "<br>".join(lines) + "</p>"


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in {"br", "p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}:
            self.parts.append("\n")


def html_to_text(fragment: str) -> str:
    """Return the visible text of an HTML fragment, whitespace collapsed."""
    collector = _TextCollector()
    collector.feed(fragment)
    collector.close()
    return _tidy("".join(collector.parts))


def _tidy(text: str) -> str:
    """Collapse runs of spaces, and the spaces around line breaks."""
    return re.sub(r"[ \t\r\f\v]+", " ", re.sub(r"\s*\n\s*", "\n", text)).strip()


#: Text without any of these needs no Markdown rendering to know what a reader sees: what is
#: markup only where it stands is looked for there. A line of dashes or of equals signs
#: underlines a heading (or, dashes, is a rule): rendered, it is no text; ``>`` and ``#`` mean
#: something at the start of a line only (a quotation, a heading), ``~`` only as a fence, ``&``
#: only before a letter, digit or ``#`` (an entity, even without its ``;``); an ``=`` or ``!``
#: alone means nothing (an image starts ``![``), nor does an underscore inside a word
#: (``snake_case``); and an indented block of code shows its lines as written. A carriage return
#: (a line break to Markdown, not to ``^``) or the renderer's own placeholder characters send a
#: passage to the renderer too. (Checked against the renderer on every passage of the Linux
#: documentation, and on random text in the tests.)
_MARKUP = re.compile(
    r"[\\`*<\[\]|\r\x02\x03]|(?<!\w)_|_(?!\w)|&#?\w"
    r"|^[ \t]*(?:[>#]|~~~)|^\s*(?:[-+]|\d+[.)])\s|^[ \t]*(?:-[- \t]*|=+[ \t]*)$",
    re.MULTILINE,
)


def markdown_to_text(source: str) -> str:
    """Return the plain text a reader sees when ``source`` is rendered as Markdown."""
    if not _MARKUP.search(source):  # most paragraphs: skip the renderer, same result
        return _tidy(source)
    return html_to_text(markdown_to_html(source))


class _TextRewriter(HTMLParser):
    """Re-emit sanitized HTML unchanged except for text, which goes through ``transform``
    (``in_links`` inside ``<a>`` elements, when given: a link must not hold another)."""

    def __init__(
        self, transform: Callable[[str], str], in_links: Callable[[str], str] | None
    ) -> None:
        super().__init__(convert_charrefs=True)
        self.transform = transform
        self.in_links = in_links or transform
        self.links = 0
        self.out: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.links += tag == "a"
        self.out.append(self.get_starttag_text() or "")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.out.append(self.get_starttag_text() or "")

    def handle_endtag(self, tag: str) -> None:
        self.links -= tag == "a" and self.links > 0
        self.out.append(f"</{tag}>")

    def handle_data(self, data: str) -> None:
        self.out.append((self.in_links if self.links else self.transform)(data))


def transform_text_nodes(
    fragment: str,
    transform: Callable[[str], str],
    in_links: Callable[[str], str] | None = None,
) -> str:
    """Apply ``transform`` (text in, escaped HTML out) to each text node of sanitized HTML, and
    ``in_links`` (when given) to the text inside links.

    Used to highlight query terms inside a rendered document without touching its tags.
    """
    rewriter = _TextRewriter(transform, in_links)
    rewriter.feed(fragment)
    rewriter.close()
    return "".join(rewriter.out)
