"""Optical character recognition of scanned pages, with Tesseract, cached by file content.

Tesseract runs through pytesseract, a thin wrapper around Debian's ``tesseract`` command (with
its English and Persian models), rather than ocrmypdf: we need the text of each page, with its
page number, to index, not a new PDF; a scanned page of a PDF is rendered to an image with
pypdfium2 (PDFium, the renderer of Chromium, shipped inside its wheel); pytesseract gives a time
limit per call (it ends the ``tesseract`` process), which ocrmypdf's pipeline does not offer per
page; and pages that already have a text layer are never touched, where ocrmypdf would rewrite
the whole file.

The text of every page is cached under the index folder, keyed by the SHA-256 of the file's bytes,
the page and the languages: a rebuild never runs OCR again on a file that did not change. A full
build reads every file, so what it did not use belongs to files that changed or left the corpus:
it is then deleted (:func:`prune_cache`; not after a build in which a file failed to load), and
the cache holds what the corpus needs.
"""

from __future__ import annotations

import hashlib
import os
import signal
import tempfile
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from search_app.corpus.extraction import ExtractionError
from search_app.corpus.language import detect_language

#: Resolution scans are rendered at for OCR: Tesseract reads 300 dpi best.
DPI = 300
#: Longest side of a rendered page, in pixels: a poster-sized page is rendered at less than DPI.
MAX_SIDE = 7000
#: Tesseract models by document language. A document of unknown language has its first page read
#: with both, then every page with the model of the language that page is in: a model alone reads
#: its script better (Persian pages: 4.9% of characters wrong with ``fas``, 7.9% with ``eng+fas``).
MODELS = {"en": "eng", "fa": "fas"}
BOTH = "eng+fas"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff"}
#: Marks Tesseract puts around runs of the other direction: not part of the text.
_BIDI_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u202a\u202b\u202c\u202d\u202e"))

#: Called after each page read by OCR: (pages done, pages to read).
OcrProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class OcrJob:
    """How to read one file's scanned pages."""

    cache_dir: Path
    #: Tesseract's models (``eng``, ``fas``); None: tell from the first page
    languages: str | None
    seconds_per_page: float
    progress: OcrProgress | None = None


@dataclass(frozen=True)
class PageResult:
    number: int
    text: str
    problem: str | None = None


def file_digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _Cache:
    def __init__(self, job: OcrJob, digest: str) -> None:
        self.folder = job.cache_dir / digest[:2]
        self.digest = digest

    def _path(self, page: int, languages: str) -> Path:
        return self.folder / f"{self.digest}-{languages}-p{page}.txt"

    def get(self, page: int, languages: str) -> str | None:
        path = self._path(page, languages)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            return None
        try:
            os.utime(path)  # used: kept by the next full build's pruning
        except OSError:
            pass  # a read-only index folder
        return text

    def put(self, page: int, languages: str, text: str) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(
                "w", encoding="utf-8", dir=self.folder, prefix=".ocr-", delete=False
            ) as tmp:
                tmp.write(text)
            os.replace(tmp.name, self._path(page, languages))
        except OSError:
            pass  # a read-only index folder: OCR still works, it is just not kept


#: Marks when a full build began, stamped by the same clock as the pages it uses: the file
#: system's (on a network drive, the server's, which may differ from this machine's).
_BUILD_STARTED = ".build-started"


def mark_build_start(cache_dir: Path) -> float | None:
    """Mark in ``cache_dir`` that a full build begins; return the time the mark was given
    (``None`` when there is no cache yet, or it cannot be written: nothing to prune then)."""
    marker = cache_dir / _BUILD_STARTED
    try:
        if not cache_dir.is_dir():
            return None
        marker.touch()
        return marker.stat().st_mtime
    except OSError:
        return None


def prune_cache(cache_dir: Path, used_since: float) -> int:
    """Delete the cached pages (and leftover temporary files) not used since ``used_since``
    (what :func:`mark_build_start` returned), and the mark; return how many pages went."""
    deleted = 0
    for folder in _listed(cache_dir):
        if len(folder.name) != 2 or not folder.is_dir():
            continue
        for path in _listed(folder):
            try:
                if path.stat().st_mtime < used_since:
                    path.unlink()
                    deleted += path.suffix == ".txt"
            except OSError:
                continue  # gone already, or not ours to delete
        try:
            folder.rmdir()  # only when empty
        except OSError:
            pass
    (cache_dir / _BUILD_STARTED).unlink(missing_ok=True)
    return deleted


def _listed(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _read_image(image: Any, job: OcrJob, number: int, languages: str) -> PageResult:
    import pytesseract

    # Tesseract's OpenMP threads spin against each other on a busy machine (a Persian page took
    # 22.7 s with them, 4.9 s without, on 2 shared cores); an explicit setting is kept
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        text = pytesseract.image_to_string(image, lang=languages, timeout=job.seconds_per_page)
    except RuntimeError as error:  # pytesseract's way of saying the time limit ended it
        if "timeout" not in str(error).lower():
            raise ExtractionError(f"OCR failed on page {number}: {error}") from None
        return PageResult(number, "", f"page {number}: OCR took over {job.seconds_per_page:g} s "
                          "(SEARCH_APP_OCR_SECONDS_PER_PAGE); the page is not indexed")  # fmt: skip
    except pytesseract.TesseractNotFoundError:
        raise ExtractionError(
            "OCR needs Tesseract: install the Debian packages tesseract-ocr, tesseract-ocr-eng "
            "and tesseract-ocr-fas (./run does)"
        ) from None
    except pytesseract.TesseractError as error:
        raise ExtractionError(f"OCR failed on page {number}: {error.message}") from None
    return PageResult(number, clean_ocr_text(text))


def clean_ocr_text(text: str) -> str:
    """Drop the direction marks and form feeds Tesseract adds; keep its lines and paragraphs."""
    return text.translate(_BIDI_MARKS).replace("\f", "").strip()


@contextmanager
def pause_time_limit() -> Iterator[None]:
    """Stop the clock of the whole file's time limit while OCR reads a page: OCR has its own
    limit per page, and a long scan must not be cut off by the limit meant for reading text."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    remaining, _ = signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        yield
    finally:
        if remaining > 0:
            signal.setitimer(signal.ITIMER_REAL, remaining)


def _cached(path: Path, numbers: list[int], job: OcrJob,
            render: Callable[[int], Any]) -> Iterator[PageResult]:  # fmt: skip
    cache = _Cache(job, file_digest(path))

    def read(number: int, languages: str) -> PageResult:
        text = cache.get(number, languages)
        if text is not None:
            return PageResult(number, text)
        with pause_time_limit():
            result = _read_image(render(number), job, number, languages)
        if result.problem is None:
            cache.put(number, languages, result.text)
        return result

    languages = job.languages
    done_already: dict[int, PageResult] = {}
    if languages is None:  # read the first page with both models to know which to use
        first = read(numbers[0], BOTH)
        languages = MODELS.get(detect_language([first.text]) or "", BOTH)
        if languages == BOTH:  # no letters of either script (or the page ran out of time)
            done_already[first.number] = first
    for done, number in enumerate(numbers, start=1):
        result = done_already.get(number) or read(number, languages)
        if job.progress is not None:
            job.progress(done, len(numbers))
        yield result


def ocr_pdf_pages(path: Path, numbers: list[int], job: OcrJob) -> list[PageResult]:
    """Read the given pages (from 1) of a PDF by OCR.

    :raises ExtractionError: when PDFium cannot open the file or Tesseract fails.
    """
    if not numbers:
        return []
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as error:
        raise ExtractionError(f"cannot render the PDF's scanned pages ({error})") from None

    def render(number: int) -> Any:
        page = document[number - 1]
        scale = min(DPI / 72, MAX_SIDE / max(page.get_size()))
        return page.render(scale=scale, grayscale=True).to_pil()

    try:
        return list(_cached(path, numbers, job, render))
    finally:
        document.close()


def ocr_image_file(path: Path, job: OcrJob) -> list[PageResult]:
    """Read an image (every frame of a multi-page TIFF, as pages) by OCR.

    :raises ExtractionError: when it is not an image Pillow can read, or Tesseract fails.
    """
    from PIL import Image, ImageSequence

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning,
            Image.DecompressionBombError) as error:  # fmt: skip
        raise ExtractionError(f"not a readable image ({error})") from None
    frames = max(1, getattr(image, "n_frames", 1))

    def render(number: int) -> Any:
        frame = ImageSequence.Iterator(image)[number - 1]
        return frame.convert("L")

    with image:
        return list(_cached(path, list(range(1, frames + 1)), job, render))
