"""Documents as researchers hold them: PDF pages, saved web pages, sidecars, `add`, limits."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_app import create_app
from search_app.cli import main
from search_app.config import Settings
from search_app.corpus.files import load_corpus
from search_app.corpus.intake import IntakeError, add_file
from search_app.engine.documents import get_document
from search_app.engine.indexing import build_index
from search_app.engine.readers import SearchIndex
from search_app.engine.results import SearchRequest
from search_app.engine.searching import search
from search_app.terminal import TerminalProgress
from tests.conftest import write_corpus
from tests.documents import SAVED_PAGE, make_pdf, make_scanned_pdf

REPORT_PAGES = [
    ["Report on the 1988 executions.", "Chapter one describes the arrests in July."],
    [],  # a blank page between the chapters
    ["The death commission met in Evin prison.", "Prisoners were asked about their beliefs."],
    ["Families were told nothing for months."],
]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = write_corpus(tmp_path / "corpus", {})
    make_pdf(root / "reports/report.pdf", REPORT_PAGES)
    (root / "reports/report.pdf.meta.yml").write_text(
        "title: A report\nsource: Example Rights\nsource_type: ngo-report\ndate: 2018-12\n"
    )
    (root / "web/khavaran.html").parent.mkdir(parents=True)
    (root / "web/khavaran.html").write_text(SAVED_PAGE)
    (root / "web/khavaran.html.meta.yml").write_text("source: Example Rights\n")
    return root


@pytest.fixture
def index(corpus: Path, tmp_path: Path) -> SearchIndex:
    build_index(corpus, tmp_path / "index")
    return SearchIndex(tmp_path / "index")


def passages(corpus: Path, doc_id: str) -> list[tuple[int | None, str]]:
    document = next(d for d in load_corpus(corpus).documents if d.doc_id == doc_id)
    return [(p.page, p.text) for p in document.passages]


def test_pdf_passages_carry_their_page_and_never_cross_pages(corpus: Path) -> None:
    assert passages(corpus, "reports/report") == [
        (1, "Report on the 1988 executions."),
        (1, "Chapter one describes the arrests in July."),
        (3, "The death commission met in Evin prison."),
        (3, "Prisoners were asked about their beliefs."),
        (4, "Families were told nothing for months."),
    ]


def test_pdf_results_are_labelled_with_the_page(index: SearchIndex) -> None:
    [hit] = search(index, SearchRequest(q="Evin")).hits
    assert (hit.doc_id, hit.passage, hit.page, hit.source) == (
        "reports/report", 3, 3, "Example Rights",
    )  # fmt: skip


def test_html_keeps_the_main_text_only(corpus: Path) -> None:
    texts = [text for _page, text in passages(corpus, "web/khavaran")]
    assert texts[0].startswith("Mass graves at Khavaran\nFamilies of prisoners executed")
    assert texts[1].startswith("Witnesses said the authorities had bulldozed")
    joined = " ".join(texts)
    for noise in ("Donate", "newsletter", "Copyright", "tracking script", "color: red"):
        assert noise not in joined


def test_html_title_and_date_come_from_the_page_when_the_sidecar_has_none(corpus: Path) -> None:
    document = next(d for d in load_corpus(corpus).documents if d.doc_id == "web/khavaran")
    assert (document.meta.title, document.meta.date) == ("Mass graves at Khavaran", "2019-08-30")
    (corpus / "web/khavaran.html.meta.yml").write_text(
        "source: Example Rights\ntitle: Our own title\ndate: 2020\n"
    )
    document = next(d for d in load_corpus(corpus).documents if d.doc_id == "web/khavaran")
    assert (document.meta.title, document.meta.date) == ("Our own title", "2020")


def test_html_without_a_date_gets_none_invented(corpus: Path) -> None:
    page = SAVED_PAGE.replace('<meta name="date" content="2019-08-30">', "")
    (corpus / "web/khavaran.html").write_text(page)
    document = next(d for d in load_corpus(corpus).documents if d.doc_id == "web/khavaran")
    assert document.meta.date is None  # "Copyright 2021" in the footer is not a date of it


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (
            lambda p: make_scanned_pdf(p, pages=2),
            "no text in any of its 2 page(s): no text layer, and no scanned image for OCR to read",
        ),
        (lambda p: p.write_bytes(b"%PDF-1.4 broken"), "cannot read the PDF"),
        (lambda p: make_pdf(p, [["secret"]], password="pw"), "the PDF is encrypted"),
    ],
)
def test_unreadable_pdfs_are_named_with_the_reason(tmp_path: Path, make, reason: str) -> None:
    root = write_corpus(tmp_path / "c", {"scan.pdf.meta.yml": "title: T\nsource: S\n"})
    make(root / "scan.pdf")
    corpus = load_corpus(root)
    assert corpus.documents == []
    [problem] = corpus.problems
    assert problem.path == "scan.pdf" and problem.reason.startswith(reason)


def test_document_page_shows_page_breaks_and_links_the_pdf(index: SearchIndex, corpus) -> None:
    view = get_document(index, "reports/report", "Evin")
    assert [p.page for p in view.passages] == [1, 1, 3, 3, 4]
    app = create_app({"CORPUS_DIR": corpus, "INDEX_DIR": index.index_dir})
    client = app.test_client()
    page = client.get("/doc/reports/report?q=Evin").get_data(as_text=True)
    assert page.count('class="page-break"') == 3
    assert '<a href="/file/reports/report#page=3">open in the PDF</a>' in page
    results = client.get("/search?q=Evin").get_data(as_text=True)
    assert '<a href="/file/reports/report#page=3">p. 3 in the PDF</a>' in results
    assert "· p. 3</p>" in results  # the source label
    assert "Example Rights, “A report”, 2018-12, p. 3, passage 3: “" in results  # the citation


def test_original_files_are_served_safely(index: SearchIndex, corpus: Path) -> None:
    client = create_app({"CORPUS_DIR": corpus, "INDEX_DIR": index.index_dir}).test_client()
    with client.get("/file/reports/report") as pdf:
        assert (pdf.status_code, pdf.mimetype) == (200, "application/pdf")
        assert pdf.data == (corpus / "reports/report.pdf").read_bytes()
    with client.get("/file/web/khavaran") as html:
        assert html.headers["Content-Disposition"] == "attachment; filename=khavaran.html"
        assert html.headers["Content-Security-Policy"] == "sandbox; default-src 'none'"
    for url in ("/file/nope", "/file/../corpus/reports/report.pdf", "/file/%2e%2e/x"):
        assert client.get(url).status_code == 404, url


# --- search-app add --------------------------------------------------------------------------


def cli(corpus: Path, index: Path, *args: str):
    paths = ["--corpus", str(corpus), "--index", str(index)]
    return CliRunner().invoke(main, [*args, *paths], catch_exceptions=False)


def test_add_a_pdf_with_metadata_and_find_it(tmp_path: Path, corpus: Path) -> None:
    new = make_pdf(tmp_path / "in/testimony.pdf", [["A testimony about Gohardasht prison."]])
    result = cli(
        corpus, tmp_path / "index", "add", str(new), "--title", "A testimony",
        "--source", "A witness", "--source-type", "testimony", "--date", "2001-02-03",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        f"Added {corpus / 'testimony.pdf'} as 'testimony': language en (told from the text)"
    )
    assert "Built index" in result.stdout.splitlines()[1]
    assert (corpus / "testimony.pdf").read_bytes() == new.read_bytes()
    assert (corpus / "testimony.pdf.meta.yml").read_text() == (
        "title: A testimony\nsource: A witness\nsource_type: testimony\ndate: '2001-02-03'\n"
    )
    hits = search(SearchIndex(tmp_path / "index"), SearchRequest(q="Gohardasht")).hits
    assert [(h.doc_id, h.page, h.source) for h in hits] == [("testimony", 1, "A witness")]


def test_add_markdown_merges_options_into_front_matter(tmp_path: Path, corpus: Path) -> None:
    note = tmp_path / "in/note.md"
    note.parent.mkdir()
    note.write_text("---\ntitle: Old title\nsource: Me\n---\n\nA note on Qezel Hesar.\n")
    result = cli(corpus, tmp_path / "index", "add", str(note), "--title", "New title", "--name",
                 "notes/qezel.md")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (corpus / "notes/qezel.md").read_text() == (
        "---\ntitle: New title\nsource: Me\n---\n\nA note on Qezel Hesar.\n"
    )


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (lambda d: None, ["missing.txt"], "missing.txt is not a file"),
        (lambda d: (d / "x.doc").write_text("x"), ["x.doc"], "x.doc: unsupported file type"),
        (
            lambda d: (d / "x.txt").write_text("text"),
            ["x.txt", "--title", "T", "--url", "ftp://example.org/x"],
            "x.txt: url 'ftp://example.org/x' is not an http:// or https:// address; nothing added",
        ),
        (
            lambda d: (d / "x.txt").write_text("text"),
            ["x.txt", "--title", "T", "--source", "S", "--date", "2020-13-01"],
            "x.txt: date '2020-13-01' does not exist; nothing added",
        ),
        (
            lambda d: (d / "x.docx").write_bytes(b"not a zip"),
            ["x.docx", "--title", "T", "--source", "S"],
            "x.docx: not a readable Word (.docx) file (File is not a zip file): open and save it "
            "again, then add it; nothing added",
        ),
        (
            lambda d: make_scanned_pdf(d / "scan.pdf"),
            ["scan.pdf", "--title", "T", "--source", "S"],
            "scan.pdf: no text in any of its 2 page(s)",
        ),
        (
            lambda d: (d / "x.txt").write_text("t"),
            ["x.txt", "--title", "T", "--source", "S", "--name", "../x.txt"],
            "--name '../x.txt' must be a path inside the corpus",
        ),
    ],
)
def test_add_refuses_with_the_reason_and_writes_nothing(
    tmp_path: Path, corpus: Path, setup, args: list[str], message: str
) -> None:
    incoming = tmp_path / "in"
    incoming.mkdir()
    setup(incoming)
    before = sorted(p.relative_to(corpus) for p in corpus.rglob("*"))
    result = cli(corpus, tmp_path / "index", "add", str(incoming / args[0]), *args[1:])
    assert result.exit_code == 1
    assert message in result.stderr
    assert sorted(p.relative_to(corpus) for p in corpus.rglob("*")) == before


def test_add_refuses_a_duplicate_of_a_document_in_the_corpus(tmp_path: Path, corpus: Path) -> None:
    copy = tmp_path / "copy-of-report.pdf"
    copy.write_bytes((corpus / "reports/report.pdf").read_bytes())
    with pytest.raises(IntakeError, match=r"already in the corpus as reports/report.pdf"):
        add_file(copy, corpus, {"title": "T", "source": "S"})
    assert not (corpus / "copy-of-report.pdf").exists()


def test_adding_the_same_file_twice_says_it_is_a_duplicate(tmp_path: Path, corpus: Path) -> None:
    new = make_pdf(tmp_path / "new.pdf", [["Something new."]])
    add_file(new, corpus, {"title": "T", "source": "S"})
    with pytest.raises(IntakeError, match=r"new.pdf is already in the corpus as new.pdf"):
        add_file(new, corpus, {"title": "T", "source": "S"})


def test_add_refuses_a_taken_name(tmp_path: Path, corpus: Path) -> None:
    other = make_pdf(tmp_path / "report.pdf", [["Different text."]])
    with pytest.raises(IntakeError, match="choose another name with --name"):
        add_file(other, corpus, {"title": "T", "source": "S"}, name="reports/report.pdf")


# --- check, limits, progress -----------------------------------------------------------------


def test_check_names_every_problem_in_a_mixed_corpus(tmp_path: Path, corpus: Path) -> None:
    make_scanned_pdf(corpus / "scan.pdf")
    (corpus / "scan.pdf.meta.yml").write_text("title: Scan\nsource: S\n")
    (corpus / "bare.pdf").write_bytes((corpus / "reports/report.pdf").read_bytes())
    (corpus / "orphan.html.meta.yml").write_text("source: S\n")
    (corpus / "page.html").write_text("<html><body><script>menu()</script></body></html>")
    (corpus / "page.html.meta.yml").write_text("source: S\ntitle: T\n")
    result = cli(corpus, tmp_path / "index", "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "orphan.html.meta.yml: sidecar without a document file next to it",
        "page.html: no main text found in the page (is it only navigation or a script?)",
        "scan.pdf: no text in any of its 2 page(s): no text layer, and no scanned image for OCR "
        "to read",
        "warning: bare.pdf: no title: shown as its file name; add title: to bare.pdf.meta.yml",
        "warning: bare.pdf: no source: labelled by its folder 'corpus'; add source: to "
        "bare.pdf.meta.yml or to a _defaults.yml in its folder",
    ]
    assert result.stdout == "3 documents (12 passages) are valid; 3 problems, 2 warnings\n"


def test_limits_on_size_pages_and_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = write_corpus(
        tmp_path / "c",
        {"big.txt": "word " * 250_000, "big.txt.meta.yml": "title: T\nsource: S\n"},
    )
    make_pdf(root / "long.pdf", [["one"], ["two"], ["three"]])
    (root / "long.pdf.meta.yml").write_text("title: T\nsource: S\n")
    limits = Settings(max_file_mb=1, max_pages=2)
    problems = {p.path: p.reason for p in load_corpus(root, limits).problems}
    assert problems == {
        "big.txt": "the file is 1.2 MB; the limit is 1 MB (SEARCH_APP_MAX_FILE_MB)",
        "long.pdf": "the PDF has 3 pages; the limit is 2 (SEARCH_APP_MAX_PAGES)",
    }

    from pypdf import PageObject

    real = PageObject.extract_text

    def slow(page: PageObject, *args, **kwargs) -> str:
        time.sleep(0.6)
        return real(page, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", slow)
    problems = {
        p.path: p.reason for p in load_corpus(root, Settings(max_seconds_per_file=1)).problems
    }
    assert problems["long.pdf"].startswith("reading took over 1 s")


def test_progress_bar_only_on_a_terminal_for_long_runs(monkeypatch, capsys) -> None:
    progress = TerminalProgress(minimum=3)
    for done in range(1, 6):
        progress(done, 5)
    assert capsys.readouterr().err == ""  # not a terminal: nothing drawn
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    progress = TerminalProgress(minimum=3)
    for done in range(1, 6):
        progress(done, 5)
    assert "Reading files" in capsys.readouterr().err


def test_api_doc_reports_pages(index: SearchIndex, corpus: Path) -> None:
    client = create_app({"CORPUS_DIR": corpus, "INDEX_DIR": index.index_dir}).test_client()
    data = json.loads(client.get("/api/doc/reports/report").data)
    assert [p["page"] for p in data["passages"]] == [1, 1, 3, 3, 4]
    assert data["format"] == "pdf"


def test_add_refuses_a_markdown_duplicate_whatever_its_front_matter(
    tmp_path: Path, corpus: Path
) -> None:
    source = tmp_path / "note.md"
    source.write_text("---\ntitle: N\nsource: S\ntags: [a, b]\n---\n\nA note.\n")
    add_file(source, corpus, {})
    with pytest.raises(IntakeError, match="already in the corpus as note.md"):
        add_file(source, corpus, {}, name="again.md")


def test_add_never_overwrites_a_sidecar(tmp_path: Path, corpus: Path) -> None:
    (corpus / "p.txt.meta.yml").write_text("title: Orphan\nsource: S\n")
    source = tmp_path / "p.txt"
    source.write_text("text")
    with pytest.raises(IntakeError, match="p.txt.meta.yml is already in the corpus"):
        add_file(source, corpus, {"title": "P", "source": "S"})
    assert (corpus / "p.txt.meta.yml").read_text() == "title: Orphan\nsource: S\n"
