"""One file's text, by format, cut into passages, with what the file says about itself.

Each format's reader lives in its own module (:mod:`.extraction` for PDF and HTML, :mod:`.office`,
:mod:`.mail`, :mod:`.ocr`, :mod:`.encodings`); this module picks one by the file's extension and
returns a :class:`Body`: passages, the title, date and author the file's own metadata gives, and
notes a reader should see (the encoding detected, a page that OCR could not read in time).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from search_app.config import Settings
from search_app.corpus.encodings import decode_text
from search_app.corpus.extraction import (
    ExtractionError,
    html_main_text,
    pdf_pages,
    quiet_libraries,
)
from search_app.corpus.mail import Attachment, read_mail
from search_app.corpus.ocr import (
    IMAGE_SUFFIXES,
    MODELS,
    OcrJob,
    OcrProgress,
    ocr_image_file,
    ocr_pdf_pages,
)
from search_app.corpus.office import docx_text, epub_text, odt_text
from search_app.corpus.passages import Passage, markdown_passages, page_passages, text_passages

MARKDOWN_SUFFIXES = {".md", ".markdown"}
TEXT_SUFFIXES = {".txt"}
PDF_SUFFIXES = {".pdf"}
HTML_SUFFIXES = {".html", ".htm"}
OFFICE_READERS = {".docx": docx_text, ".odt": odt_text, ".epub": epub_text}
MAIL_SUFFIXES = {".eml"}
DOCUMENT_SUFFIXES = (
    MARKDOWN_SUFFIXES | TEXT_SUFFIXES | PDF_SUFFIXES | HTML_SUFFIXES | set(OFFICE_READERS)
    | MAIL_SUFFIXES | IMAGE_SUFFIXES
)  # fmt: skip

#: Why a file of another type is not read, as every command says it.
UNSUPPORTED = f"unsupported file type (supported: {', '.join(sorted(DOCUMENT_SUFFIXES))})"


@dataclass(frozen=True)
class Body:
    format: str
    passages: list[Passage]
    #: title, date, author as the file's own metadata gives them
    fields: dict[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    encoding: str | None = None
    attachments: tuple[Attachment, ...] = ()


def ocr_cache_dir(limits: Settings) -> Path:
    """Where the text of scanned pages is kept (corpus/ocr.py), under the index folder."""
    return limits.index_dir / "ocr-cache"


def ocr_job(limits: Settings, language: str | None, progress: OcrProgress | None) -> OcrJob:
    """How to read scans for a document in ``language`` (``None``: not known yet)."""
    return OcrJob(
        cache_dir=ocr_cache_dir(limits),
        languages=MODELS.get(language or ""),
        seconds_per_page=limits.ocr_seconds_per_page,
        progress=progress,
    )


def read_body(
    path: Path,
    limits: Settings,
    language: str | None = None,
    encoding: str | None = None,
    progress: OcrProgress | None = None,
) -> Body:
    """Read a document file that is not Markdown (Markdown carries its metadata inside).

    :raises ExtractionError: with the reason the file cannot be read.
    """
    with quiet_libraries():
        return _read_body(path, limits, language, encoding, progress)


def _read_body(
    path: Path,
    limits: Settings,
    language: str | None,
    encoding: str | None,
    progress: OcrProgress | None,
) -> Body:
    suffix = path.suffix.lower()
    max_chars = limits.max_passage_chars
    if suffix in TEXT_SUFFIXES:
        try:
            decoded = decode_text(path.read_bytes(), encoding)
        except (LookupError, UnicodeDecodeError) as error:
            raise ExtractionError(f"cannot decode the text as {encoding!r} ({error})") from None
        note = ()
        if decoded.encoding != "utf-8" and not encoding:
            note = (
                f"read as {decoded.encoding} text (detected): if it shows wrong characters, "
                "give encoding: in its sidecar",
            )
        return Body("text", text_passages(decoded.text, max_chars), notes=note,
                    encoding=decoded.encoding)  # fmt: skip
    if suffix in PDF_SUFFIXES:
        pdf = pdf_pages(path, limits.max_pages, limits.max_seconds_per_file)
        pages = list(pdf.pages)
        job = ocr_job(limits, language, progress)
        results = ocr_pdf_pages(path, pdf.scanned, job)
        for result in results:
            pages[result.number - 1] = result.text
        notes = tuple(
            result.problem or f"page {result.number}: a scan, but OCR found no text on it"
            for result in results
            if result.problem or not result.text
        )
        passages = page_passages(pages, max_chars, frozenset(pdf.scanned))
        if not passages and not notes:
            raise ExtractionError(
                f"no text in any of its {len(pages)} page(s): no text layer, and no scanned "
                "image for OCR to read"
            )
        return Body("pdf", passages, pdf.fields, notes)
    if suffix in IMAGE_SUFFIXES:
        results = ocr_image_file(path, ocr_job(limits, language, progress))
        notes = tuple(result.problem for result in results if result.problem)
        pages = [result.text for result in results]
        ocr = frozenset(range(1, len(pages) + 1))
        return Body("image", page_passages(pages, max_chars, ocr, paged=False), notes=notes)
    if suffix in OFFICE_READERS:
        office = OFFICE_READERS[suffix](path)
        return Body(suffix[1:], markdown_passages(office.markdown, max_chars), office.fields)
    if suffix in MAIL_SUFFIXES:
        mail = read_mail(path)
        cut = markdown_passages if mail.markdown else text_passages
        return Body("email", cut(mail.text, max_chars), mail.fields,
                    attachments=mail.attachments)  # fmt: skip
    try:
        page = html_main_text(decode_text(path.read_bytes(), encoding).text)
    except (LookupError, UnicodeDecodeError) as error:
        raise ExtractionError(f"cannot decode the page as {encoding!r} ({error})") from None
    fields = {key: value for key, value in (("title", page.title), ("date", page.date)) if value}
    return Body("html", markdown_passages(page.markdown, max_chars), fields)
