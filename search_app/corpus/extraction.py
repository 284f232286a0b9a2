"""Text out of the files researchers hold: PDF pages and the main text of saved web pages.

PDF: pypdf, a pure-Python library (no compiled parts, no system packages) that is actively
maintained and reads text page by page, which is what page-accurate citations need. A PDF whose
pages yield no text is a scan without a text layer: it is refused with a message that it needs
OCR, never indexed empty.

HTML: trafilatura, a maintained main-content extractor. It drops navigation, headers, footers,
scripts and styles and returns the article's text as Markdown (paragraphs, lists, headings), and
reads the title and the publication date from the page's own metadata.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search_app.corpus.rendering import escape_raw_html


class ExtractionError(Exception):
    """The file's text cannot be read; the message says why and what to do."""


@dataclass(frozen=True)
class PdfText:
    pages: list[str]


@dataclass(frozen=True)
class HtmlText:
    markdown: str
    title: str | None
    date: str | None


def pdf_pages(path: Path, max_pages: int, max_seconds: float) -> PdfText:
    """Return the text of every page of a PDF.

    :raises ExtractionError: when the PDF is damaged or encrypted, has too many pages, takes too
        long, or has no text layer at all.
    """
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, LimitReachedError, PyPdfError

    started = time.monotonic()
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("the PDF is encrypted: save an unprotected copy and add that")
        count = len(reader.pages)
        if count > max_pages:
            raise ExtractionError(
                f"the PDF has {count} pages; the limit is {max_pages} (SEARCH_APP_MAX_PAGES)"
            )
        pages = []
        for number, page in enumerate(reader.pages, start=1):
            if time.monotonic() - started > max_seconds:
                raise ExtractionError(
                    f"reading took over {max_seconds:g} s (stopped at page {number} of {count}); "
                    "raise SEARCH_APP_MAX_SECONDS_PER_FILE or split the file"
                )
            pages.append(_page_text(page))
    except ExtractionError:
        raise
    except LimitReachedError:
        raise ExtractionError(
            "cannot read the PDF: a compressed part of it unpacks past pypdf's size limit "
            "(the file is damaged, or built to exhaust memory)"
        ) from None
    except (PyPdfError, DependencyError, ValueError, KeyError, TypeError, OSError) as error:
        raise ExtractionError(f"cannot read the PDF ({describe_error(error)})") from None
    if not any(text.strip() for text in pages):
        raise ExtractionError(
            f"no text layer in any of its {len(pages)} page(s): it is a scan and needs OCR "
            "(e.g. ocrmypdf) before it can be searched"
        )
    return PdfText(pages)


def describe_error(error: BaseException) -> str:
    """Name an unexpected error on one short line (its message may span lines, or be huge)."""
    message = " ".join(str(error).split())
    if len(message) > 200:
        message = message[:199] + "…"
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def _page_text(page: Any) -> str:
    """Read a page keeping its layout, so that blank lines still separate paragraphs."""
    from pypdf.errors import LimitReachedError

    try:
        return page.extract_text(extraction_mode="layout") or ""
    except LimitReachedError:  # plain mode would unpack the same stream again
        raise
    except Exception:  # layout mode fails on some odd pages; plain mode still reads them
        return page.extract_text() or ""


def html_main_text(html: str) -> HtmlText:
    """Return the main text of a web page as Markdown, with the title and date its metadata give.

    :raises ExtractionError: when no main text can be found.
    """
    import trafilatura
    from trafilatura.metadata import extract_metadata

    markdown = trafilatura.extract(
        html,
        output_format="markdown",
        include_comments=False,
        include_links=False,
        include_images=False,
        with_metadata=False,
    )
    if not markdown or not markdown.strip():
        raise ExtractionError("no main text found in the page (is it only navigation or a script?)")
    # only what the page's own metadata says: no guessing a date from the text
    meta = extract_metadata(html, extensive=False)
    title = getattr(meta, "title", None) if meta else None
    date = getattr(meta, "date", None) if meta else None
    markdown = escape_raw_html(markdown.strip())  # "<script>" in the page's text is text
    return HtmlText(markdown=markdown, title=title or None, date=date or None)
