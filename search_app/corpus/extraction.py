"""Text out of the files researchers hold: PDF pages and the main text of saved web pages.

PDF: pypdf, a pure-Python library (no compiled parts, no system packages) that is actively
maintained and reads text page by page, which is what page-accurate citations need. A page that
yields (almost) no text but holds an image is a scan: its number is returned for OCR
(:mod:`.ocr`), page by page, so a PDF with a text layer on some pages and scans on others keeps
both. The title, author and creation date come from the PDF's own document information.

HTML: trafilatura, a maintained main-content extractor. It drops navigation, headers, footers,
scripts and styles and returns the article's text as Markdown (paragraphs, lists, headings), and
reads the title and the publication date from the page's own metadata.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search_app.corpus.rendering import escape_raw_html


class ExtractionError(Exception):
    """The file's text cannot be read; the message says why and what to do."""


#: Loggers of the libraries that read files, which report what they repair in a damaged file.
_LIBRARY_LOGGERS = ("pypdf", "PIL", "trafilatura", "htmldate", "courlan")


@contextmanager
def quiet_libraries() -> Iterator[None]:
    """Keep the readers' own warnings and log lines about a damaged file off the terminal: what
    matters reaches the user as the file's one-line problem (or it read well enough)."""
    loggers = [logging.getLogger(name) for name in _LIBRARY_LOGGERS]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


#: A page with fewer letters than this in its text layer, and an image, is read by OCR.
MIN_LETTERS = 10


@dataclass(frozen=True)
class PdfText:
    pages: list[str]
    #: numbers (from 1) of the pages that are scans: no text layer, an image
    scanned: list[int] = field(default_factory=list)
    #: title, author, date from the PDF's document information
    fields: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HtmlText:
    markdown: str
    title: str | None
    date: str | None


def pdf_pages(path: Path, max_pages: int, max_seconds: float) -> PdfText:
    """Return the text of every page of a PDF, and which pages are scans needing OCR.

    :raises ExtractionError: when the PDF is damaged or encrypted, has too many pages, or takes
        too long.
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
        pages, scanned = [], []
        for number, page in enumerate(reader.pages, start=1):
            if time.monotonic() - started > max_seconds:
                raise ExtractionError(
                    f"reading took over {max_seconds:g} s (stopped at page {number} of {count}); "
                    "raise SEARCH_APP_MAX_SECONDS_PER_FILE or split the file"
                )
            text = _page_text(page)
            if sum(char.isalpha() for char in text) < MIN_LETTERS and _has_image(page):
                scanned.append(number)
                text = ""
            pages.append(text)
        fields = _info_fields(reader)
    except ExtractionError:
        raise
    except LimitReachedError:
        raise ExtractionError(
            "cannot read the PDF: a compressed part of it unpacks past pypdf's size limit "
            "(the file is damaged, or built to exhaust memory)"
        ) from None
    except (PyPdfError, DependencyError, ValueError, KeyError, TypeError, OSError) as error:
        raise ExtractionError(f"cannot read the PDF ({describe_error(error)})") from None
    return PdfText(pages, scanned, fields)


def _has_image(page: Any, depth: int = 0) -> bool:
    """Tell whether a page draws an image (directly, or inside a form it draws)."""
    resources = page.get("/Resources") if depth < 5 else None
    objects = resources.get_object().get("/XObject") if resources else None
    if not objects:
        return False
    for ref in objects.get_object().values():
        xobject = ref.get_object()
        if xobject.get("/Subtype") == "/Image":
            return True
        if xobject.get("/Subtype") == "/Form" and _has_image(xobject, depth + 1):
            return True
    return False


def _info_fields(reader: Any) -> dict[str, str]:
    """The title, author and creation day a PDF's document information gives, if any."""
    try:
        info = reader.metadata
    except Exception:  # a damaged information dictionary says nothing
        return {}
    if info is None:
        return {}
    fields: dict[str, str] = {}
    for name, key in (("title", "/Title"), ("author", "/Author")):
        value = info.get(key)
        if isinstance(value, str) and value.strip():
            fields[name] = " ".join(value.split())
    try:
        created = info.creation_date
    except Exception:  # an unreadable date is no date
        created = None
    if created is not None:
        fields["date"] = created.date().isoformat()
    return fields


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
