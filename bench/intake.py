"""Measure taking in a researcher's folder: OCR quality and speed, text PDFs, 200 mixed files.

OCR quality: the paragraphs of the shipped corpus's English article and of its Persian translation
are rendered to A4 page images at 300 dpi (12 pt DejaVu Serif and Noto Naskh Arabic, as the tests
do), saved as scanned PDFs (no text layer), read back through the corpus loader, and compared with
the text that was rendered: character error rate (edit distance over length, whitespace runs as
one space), and whether a search for a word of each page finds that page.

Speed: pages per second of OCR (an empty cache), of text PDFs (pypdf, passages included), and the
time to take in a folder of 200 mixed files with ``add_folder`` then ``build_index`` (Markdown,
text in four encodings, Word, OpenDocument, EPUB, e-mail, HTML, text PDFs of 5 pages, and one
scanned single page in 20).

    python bench/intake.py [--pages 4] [--lines 30] [--text-pages 200] [--files 200]
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import textwrap
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search_app.config import Settings  # noqa: E402
from search_app.corpus.files import load_corpus  # noqa: E402
from search_app.corpus.intake import add_folder  # noqa: E402
from search_app.corpus.metadata import split_front_matter  # noqa: E402
from search_app.engine.indexing import build_index  # noqa: E402
from search_app.engine.readers import SearchIndex  # noqa: E402
from search_app.engine.searching import SearchRequest, search  # noqa: E402
from tests.documents import (  # noqa: E402
    SAVED_PAGE,
    character_error_rate,
    make_docx,
    make_eml,
    make_epub,
    make_odt,
    make_pdf,
    make_scan,
    render_page,
)

ROOT = Path(__file__).resolve().parent.parent
ENGLISH = ROOT / "corpus/iran-news-update-1988-massacre-accountability.md"
PERSIAN = ROOT / "corpus/fa/iran-news-update-1988-massacre-accountability.md"
LINES_PER_PAGE = 30
CHARS_PER_LINE = {"en": 70, "fa": 60}
LATIN = re.compile(r"[A-Za-z]")


def paragraphs(path: Path) -> list[str]:
    _, body = split_front_matter(path.read_text(encoding="utf-8"))
    blocks = [" ".join(block.split()) for block in body.split("\n\n")]
    return [block.lstrip("#> ") for block in blocks if block and not block.startswith(("|", "-"))]


def pages_of(language: str, count: int, per_page: int = LINES_PER_PAGE) -> list[list[str]]:
    """The article's lines, wrapped as a page would be, ``LINES_PER_PAGE`` to a page (the article
    read again from its start when it runs out). Persian lines holding Latin letters are left out:
    Noto Naskh Arabic has no Latin glyphs, and Pillow does not fall back to another font, so they
    would be drawn as empty boxes."""
    source = ENGLISH if language == "en" else PERSIAN
    lines = [
        line
        for paragraph in paragraphs(source)
        for line in textwrap.wrap(paragraph, CHARS_PER_LINE[language])
        if language == "en" or not LATIN.search(line)
    ]
    needed = count * per_page
    lines = (lines * (needed // len(lines) + 1))[:needed]
    return [lines[i : i + per_page] for i in range(0, needed, per_page)]


def latin1(text: str) -> str:
    """The text in the characters of the PDF core fonts the test PDFs are written with."""
    text = text.translate(str.maketrans("‘’“”–—", "''\"\"--"))
    return text.encode("latin-1", errors="replace").decode("latin-1")


def ocr_quality(language: str, count: int, work: Path, per_page: int = LINES_PER_PAGE) -> dict:
    pages = [page for page in pages_of(language, count, per_page) if page]
    corpus = work / f"ocr-{language}"
    make_scan(
        corpus / "scan.pdf",
        [render_page(page, persian=language == "fa", full_page=True) for page in pages],
    )
    (corpus / "scan.pdf.meta.yml").write_text("title: Scan\nsource: Bench\n")
    settings = Settings(corpus_dir=corpus, index_dir=work / f"index-{language}")
    started = time.perf_counter()
    [document] = load_corpus(corpus, settings).documents
    seconds = time.perf_counter() - started
    rates, found = [], 0
    build_index(corpus, settings.index_dir, limits=settings)
    index = SearchIndex(settings.index_dir)
    for number, lines in enumerate(pages, start=1):
        text = " ".join(p.text for p in document.passages if p.page == number)
        rates.append(character_error_rate(" ".join(lines), text))
        word = max(" ".join(lines).split(), key=len).strip(".,،:;()«»\"'")
        hits = search(index, SearchRequest(q=f'"{word}"', exact=True)).hits
        found += any(hit.page == number for hit in hits)
    return {
        "pages": len(pages),
        "cer": sum(rates) / len(rates),
        "worst": max(rates),
        "found": found,
        "pages_per_s": len(pages) / seconds,
        "seconds": seconds,
    }


def text_pdf_speed(count: int, work: Path) -> dict:
    lines = [latin1(line) for page in pages_of("en", 4) for line in page]
    corpus = work / "text-pdf"
    make_pdf(corpus / "long.pdf", [lines[i % 100 : i % 100 + 30] for i in range(count)])
    (corpus / "long.pdf.meta.yml").write_text("title: Long\nsource: Bench\n")
    started = time.perf_counter()
    [document] = load_corpus(corpus).documents
    seconds = time.perf_counter() - started
    return {"pages": count, "pages_per_s": count / seconds, "passages": len(document.passages)}


def write_one(kind: str, folder: Path, i: int, lines: list[str], persian: str) -> None:
    """Write file number ``i`` of the mixed folder, of the given kind."""
    text = " ".join(lines)
    if kind == "md":
        (folder / f"notes-{i}.md").write_text(f"Note {i}.\n\n{text}\n")
    elif kind == "cp1256":  # Windows-1256 has the Arabic yeh, not the Persian one
        data = f"{i} {persian[:400]}".replace("ی", "ي").encode("windows-1256", errors="ignore")
        (folder / f"fa-{i}.txt").write_bytes(data)
    elif kind == "utf16":
        (folder / f"utf16-{i}.txt").write_text(f"{i} {text}", encoding="utf-16")
    elif kind == "docx":
        make_docx(folder / f"letter-{i}.docx", [("Heading1", f"Letter {i}"), ("", text)])
    elif kind == "odt":
        make_odt(folder / f"report-{i}.odt", [("h1", f"Report {i}"), ("p", text)])
    elif kind == "eml":
        make_eml(folder / f"mail-{i}.eml", f"Message {i}", "Tue, 03 Feb 2009 10:00:00 +0000", text)
    elif kind == "html":
        (folder / f"page-{i}.html").write_text(SAVED_PAGE.replace("Khavaran", f"Khavaran {i}"))
    elif kind == "pdf":
        pages = [[f"Page {page} of file {i}.", latin1(text)] for page in range(5)]
        make_pdf(folder / f"pdf-{i}.pdf", pages)
    else:
        make_epub(folder / f"book-{i}.epub", [f"{i} {text}"], f"Book {i}", "2004")


def mixed_folder(files: int, work: Path) -> dict:
    """A folder of ``files`` files of every kind; one in 20 of them a scan."""
    folder = work / "papers"
    english = [p for page in pages_of("en", 3) for p in page]
    persian = " ".join(line for page in pages_of("fa", 1) for line in page)
    kinds = ["md", "cp1256", "utf16", "docx", "odt", "eml", "html", "pdf", "epub"]
    scans = max(1, files // 20)
    folder.mkdir(parents=True)
    for i in range(files - scans):
        write_one(kinds[i % len(kinds)], folder, i, english[i % 40 :][:12], persian)
    for i in range(scans):
        make_scan(folder / f"scan-{i}.png", [render_page(pages_of("en", 1)[0][i : i + 10])])
    corpus = work / "corpus"
    corpus.mkdir()
    settings = Settings(corpus_dir=corpus, index_dir=work / "index")
    started = time.perf_counter()
    report = add_folder(folder, corpus, {"source": "Bench"}, limits=settings)
    added = time.perf_counter() - started
    build_index(corpus, settings.index_dir, limits=settings)
    total = time.perf_counter() - started
    started = time.perf_counter()
    build_index(corpus, settings.index_dir, full=True, limits=replace(settings))
    rebuild = time.perf_counter() - started
    return {
        "files": files,
        "added": len(report.added),
        "skipped": [str(s) for s in report.skipped],
        "add_s": added,
        "total_s": total,
        "rebuild_s": rebuild,
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=4, help="scanned pages per language")
    parser.add_argument("--lines", type=int, default=LINES_PER_PAGE, help="lines per scanned page")
    parser.add_argument("--text-pages", type=int, default=200, help="pages of the text PDF")
    parser.add_argument("--files", type=int, default=200, help="files in the mixed folder")
    args = parser.parse_args(argv)
    results: dict = {}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        for language in ("en", "fa"):
            result = results[f"ocr_{language}"] = ocr_quality(
                language, args.pages, work, args.lines
            )
            print(
                f"OCR {language}: {result['pages']} pages, CER {result['cer']:.2%} (worst page "
                f"{result['worst']:.2%}), a word of each page finds it on {result['found']}/"
                f"{result['pages']}, {result['pages_per_s']:.2f} pages/s"
            )
        result = results["text_pdf"] = text_pdf_speed(args.text_pages, work)
        print(f"text PDF: {result['pages']} pages, {result['pages_per_s']:.1f} pages/s")
        result = results["folder"] = mixed_folder(args.files, work)
        print(
            f"folder of {result['files']} mixed files: {result['added']} added in "
            f"{result['add_s']:.1f} s, indexed {result['total_s']:.1f} s after the start; full "
            f"rebuild (OCR cached) {result['rebuild_s']:.1f} s"
        )
        for line in result["skipped"]:
            print(f"  skipped {line}")
    return results


if __name__ == "__main__":
    main()
