"""OCR of scans the tests make themselves: text rendered to page images at 300 dpi, in English
(DejaVu Serif) and Persian (Noto Naskh Arabic), read back by Debian's Tesseract, then searched.

Kept few: each page read costs about a second.
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import replace
from pathlib import Path

import pytesseract
import pytest

from search_app import create_app
from search_app.config import Settings
from search_app.corpus.files import load_corpus
from search_app.corpus.loading import load_document
from search_app.corpus.scanning import scan_corpus
from search_app.engine.indexing import build_index
from search_app.engine.readers import SearchIndex
from search_app.engine.searching import SearchRequest, search
from tests.conftest import write_corpus
from tests.documents import character_error_rate, make_mixed_pdf, make_scan, render_page

ENGLISH = [
    "In the summer of 1988 thousands of political prisoners",
    "were executed in Evin and Gohardasht prisons after",
    "brief hearings before the so-called death commission.",
]
PERSIAN_PAGES = [
    ["در تابستان ۱۳۶۷ هزاران زندانی سیاسی", "در زندان‌های اوین و گوهردشت اعدام شدند"],
    ["پس از جلسه‌های کوتاه در برابر هیئت مرگ", "به خانواده‌ها گفته نشد که اجساد کجا دفن شدند"],
]


def settings_for(tmp_path: Path, **changes) -> Settings:
    return replace(
        Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index"), **changes
    )


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Settings]:
    """A corpus of scans, indexed once for the module: an English PNG, a two-page Persian PDF
    scan, and a PDF whose first page has a text layer and whose second is a scan."""
    tmp_path = tmp_path_factory.mktemp("ocr")
    root = write_corpus(tmp_path / "corpus", {"_defaults.yml": "source: Family archive\n"})
    make_scan(root / "letters/english.png", [render_page(ENGLISH)])
    make_scan(
        root / "letters/persian.pdf", [render_page(page, persian=True) for page in PERSIAN_PAGES]
    )
    make_mixed_pdf(
        root / "mixed.pdf",
        ["The first page has a text layer about Qezel Hesar."],
        render_page(["The second page is a scan about Khavaran cemetery."]),
    )
    settings = settings_for(tmp_path)
    report = build_index(root, settings.index_dir, limits=settings)
    assert report.problems == []
    return root, settings


def documents(root: Path, settings: Settings) -> dict:
    corpus = load_corpus(root, settings)
    assert corpus.problems == []
    return {document.doc_id: document for document in corpus.documents}


def test_english_scan_is_read_within_3_percent_and_found(scanned) -> None:
    root, settings = scanned
    document = documents(root, settings)["letters/english"]
    text = " ".join(passage.text for passage in document.passages)
    assert character_error_rate(" ".join(ENGLISH), text) <= 0.03
    assert (document.format, document.meta.language, document.language_detected) == (
        "image", "en", True,
    )  # fmt: skip
    assert all(passage.ocr and passage.page is None for passage in document.passages)
    hits = search(SearchIndex(settings.index_dir), SearchRequest(q="Gohardasht", exact=True)).hits
    assert [(hit.doc_id, hit.ocr) for hit in hits] == [("letters/english", True)]


def test_persian_scan_is_read_within_8_percent_and_each_page_is_found(scanned) -> None:
    root, settings = scanned
    document = documents(root, settings)["letters/persian"]
    assert (document.meta.language, document.language_detected) == ("fa", True)
    for number, lines in enumerate(PERSIAN_PAGES, start=1):
        text = " ".join(p.text for p in document.passages if p.page == number)
        assert character_error_rate(" ".join(lines), text) <= 0.08, text
    index = SearchIndex(settings.index_dir)
    for word, page in (("گوهردشت", 1), ("خانواده‌ها", 2)):
        hits = search(index, SearchRequest(q=word, exact=True)).hits
        assert [(hit.doc_id, hit.page, hit.ocr, hit.rtl) for hit in hits] == [
            ("letters/persian", page, True, True)
        ], word


def test_a_pdf_with_text_and_scanned_pages_is_read_page_by_page(scanned) -> None:
    root, settings = scanned
    document = documents(root, settings)["mixed"]
    assert [(p.page, p.ocr, p.text) for p in document.passages] == [
        (1, False, "The first page has a text layer about Qezel Hesar."),
        (2, True, "The second page is a scan about Khavaran cemetery."),
    ]


def test_rebuilds_never_run_ocr_again_on_an_unchanged_file(
    scanned, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, settings = scanned
    # with no Tesseract to run, anything not in the cache would fail to load
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract"))
    report = build_index(root, settings.index_dir, full=True, limits=settings)
    assert (report.problems, report.documents) == ([], 3)
    # the first page of each file read with both models, then each page with its language's
    cached = sorted(
        p.name.split("-", 1)[1] for p in (settings.index_dir / "ocr-cache").rglob("*.txt")
    )
    assert cached == [
        "eng+fas-p1.txt", "eng+fas-p1.txt", "eng+fas-p2.txt", "eng-p1.txt", "eng-p2.txt",
        "fas-p1.txt", "fas-p2.txt",
    ]  # fmt: skip


def test_ocr_reports_its_progress_page_by_page(scanned) -> None:
    root, settings = scanned
    [file] = [f for f in scan_corpus(root).files if f.doc_id == "letters/persian"]
    calls: list[tuple[int, int]] = []
    load_document(file, settings, ocr_progress=lambda done, total: calls.append((done, total)))
    assert calls == [(1, 2), (2, 2)]


def test_without_tesseract_a_scan_gets_one_line_saying_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pytesseract.pytesseract, "tesseract_cmd", str(tmp_path / "no-tesseract"))
    root = write_corpus(tmp_path / "corpus", {})
    make_scan(root / "scan.png", [render_page(["Evin"])])
    [problem] = load_corpus(root, settings_for(tmp_path)).problems
    assert str(problem) == (
        "scan.png: OCR needs Tesseract: install the Debian packages tesseract-ocr, "
        "tesseract-ocr-eng and tesseract-ocr-fas (./run does)"
    )


def test_a_page_over_the_time_limit_is_left_out_with_a_warning(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "corpus", {})
    make_mixed_pdf(root / "mixed.pdf", ["A text page about Evin."], render_page(["A scan."]))
    settings = settings_for(tmp_path, ocr_seconds_per_page=0.01)
    corpus = load_corpus(root, settings)
    [document] = corpus.documents
    assert [(p.page, p.text) for p in document.passages] == [(1, "A text page about Evin.")]
    assert [w.reason for w in corpus.warnings][-1] == (
        "page 2: OCR took over 0.01 s (SEARCH_APP_OCR_SECONDS_PER_PAGE); the page is not indexed"
    )
    assert not (settings.index_dir / "ocr-cache").exists()  # a page cut short is not cached


@pytest.mark.parametrize("name", ["scan.jpg", "scan.tiff"])
def test_jpeg_and_multi_page_tiff_scans(tmp_path: Path, name: str) -> None:
    root = write_corpus(tmp_path / "corpus", {})
    pages = [render_page(["Evin prison, Tehran"])]
    if name.endswith(".tiff"):
        pages.append(render_page(["Gohardasht prison, Karaj"]))
    make_scan(root / name, pages)
    [document] = load_corpus(root, settings_for(tmp_path)).documents
    expected = ["Evin prison, Tehran", "Gohardasht prison, Karaj"][: len(pages)]
    assert [p.text for p in document.passages] == expected


def test_result_and_document_pages_mark_ocr_passages(scanned) -> None:
    root, settings = scanned
    client = create_app({"CORPUS_DIR": root, "INDEX_DIR": settings.index_dir}).test_client()
    results = client.get("/search?q=Khavaran").get_data(as_text=True)
    assert results.count("Read by OCR from a scan: the text may have errors") == 1
    page = client.get("/doc/mixed").get_data(as_text=True)
    assert page.count('class="ocr-note"') == 1
    assert 'class="passage ocr" id="p-2"' in page
    persian = client.get("/doc/letters/persian").get_data(as_text=True)
    directions = re.findall(r'aria-label="Passage \d+" dir="(\w+)"', persian)
    assert directions == ["rtl"] * len(documents(root, settings)["letters/persian"].passages)


def test_a_full_build_deletes_the_ocr_text_no_file_uses(tmp_path: Path) -> None:
    defaults = "source: Family archive\nlanguage: en\n"
    root = write_corpus(tmp_path / "corpus", {"_defaults.yml": defaults})
    make_scan(root / "letter.png", [render_page(ENGLISH)])
    settings = settings_for(tmp_path)
    build_index(root, settings.index_dir, limits=settings)
    cache = settings.index_dir / "ocr-cache"
    used = sorted(cache.rglob("*.txt"))
    assert [p.name.split("-", 1)[1] for p in used] == ["eng-p1.txt"]
    stale = cache / "zz" / f"{'f' * 64}-eng-p1.txt"  # the page of a file no longer here
    stale.parent.mkdir()
    stale.write_text("gone", encoding="utf-8")
    long_ago = time.time() - 3600
    for path in (stale, *used):
        os.utime(path, (long_ago, long_ago))
    update = build_index(root, settings.index_dir, limits=settings)  # reads no unchanged file
    assert (update.ocr_pages_deleted, stale.exists()) == (0, True)
    # a file that fails to load may be a scan whose pages are needed once it is fixed
    (root / "broken.pdf").write_bytes(b"not a PDF")
    failed = build_index(root, settings.index_dir, full=True, limits=settings)
    assert [p.path for p in failed.problems] == ["broken.pdf"]
    assert (failed.ocr_pages_deleted, stale.exists()) == (0, True)
    (root / "broken.pdf").unlink()
    report = build_index(root, settings.index_dir, full=True, limits=settings)
    assert report.ocr_pages_deleted == 1
    assert sorted(cache.rglob("*.txt")) == used and not stale.parent.exists()
    assert [p.name for p in cache.iterdir() if p.is_file()] == []  # the build's mark is gone
    # a build of another index (the same settings) leaves this index's cache alone
    stale.parent.mkdir()
    stale.write_text("gone", encoding="utf-8")
    os.utime(stale, (long_ago, long_ago))
    elsewhere = build_index(root, tmp_path / "elsewhere", full=True, limits=settings)
    assert (elsewhere.ocr_pages_deleted, stale.exists()) == (0, True)
