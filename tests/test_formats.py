"""A researcher's folder as it comes: Word, OpenDocument, EPUB, e-mails with attachments, text in
old encodings, folder defaults, languages told from the text, and `add FOLDER`."""

from __future__ import annotations

from email.message import EmailMessage
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from click.testing import CliRunner

from search_app import create_app
from search_app.cli import main
from search_app.corpus import files
from search_app.corpus.encodings import decode_text
from search_app.corpus.files import MAX_NESTED_MESSAGES, NESTED_TOO_DEEP, load_corpus
from search_app.corpus.language import detect_language
from search_app.corpus.passages import page_passages
from search_app.corpus.scanning import scan_corpus
from search_app.engine.generations import read_generation
from search_app.engine.indexing import build_index
from search_app.engine.readers import SearchIndex
from search_app.engine.searching import SearchRequest, search
from tests.conftest import write_corpus
from tests.documents import make_docx, make_eml, make_epub, make_odt, make_pdf

PERSIAN = "اعدام زندانيان سياسي در تابستان 1367 به دستور هيئت مرگ"  # Arabic ي: in Windows-1256
ARABIC = "إعدام السجناء السياسيين في صيف عام 1988"
WESTERN = "Les familles réclament la vérité — « où sont les corps ? »"


def loaded(root: Path) -> dict:
    corpus = load_corpus(root)
    assert corpus.problems == []
    return {document.doc_id: document for document in corpus.documents}


def texts(document) -> list[str]:
    return [passage.text for passage in document.passages]


# --- formats -----------------------------------------------------------------------------------


def test_word_headings_join_their_paragraph_and_core_properties_give_title_and_date(
    tmp_path: Path,
) -> None:
    root = write_corpus(tmp_path / "c", {"_defaults.yml": "source: Archive\n"})
    make_docx(
        root / "letter.docx",
        [
            ("Heading1", "Letter from Evin"),
            ("", "My brother was taken in August 1988 & never returned."),
            ("List", "His books"),
            ("List", "His glasses"),
            ("", "We asked at the gate *every* week."),
        ],
        {"title": "A letter", "created": "1989-02-03T10:00:00Z", "creator": "A. Witness"},
    )
    document = loaded(root)["letter"]
    assert texts(document) == [
        "Letter from Evin\nMy brother was taken in August 1988 & never returned.",
        "His books\nHis glasses",
        "We asked at the gate *every* week.",
    ]
    meta = document.meta
    assert (meta.title, meta.date, meta.author, meta.source) == (
        "A letter", "1989-02-03", "A. Witness", "Archive",
    )  # fmt: skip
    assert document.format == "docx"


def test_a_sidecar_wins_over_the_files_own_metadata(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"n.odt.meta.yml": "title: Better title\nsource: S\n"})
    make_odt(root / "n.odt", [("p", "Text.")], {"title": "Own title", "created": "1990-05-06"})
    meta = loaded(root)["n"].meta
    assert (meta.title, meta.date) == ("Better title", "1990-05-06")


def test_opendocument_headings_lists_and_metadata(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"_defaults.yml": "source: Archive\n"})
    make_odt(
        root / "notes.odt",
        [("h1", "Khavaran"), ("p", "Families gathered at the cemetery."), ("li", "Flowers")],
        {"title": "Notes on Khavaran", "created": "1990-05-06T09:00:00", "creator": "B"},
    )
    document = loaded(root)["notes"]
    assert texts(document) == ["Khavaran\nFamilies gathered at the cemetery.", "Flowers"]
    assert (document.meta.title, document.meta.date, document.meta.author) == (
        "Notes on Khavaran", "1990-05-06", "B",
    )  # fmt: skip


def test_epub_chapters_in_reading_order(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"_defaults.yml": "source: Archive\n"})
    make_epub(
        root / "memoir.epub",
        ["The first chapter tells of the arrest in 1981.", "The second of the summer of 1988."],
        title="A prison memoir",
        date="2004-06-01",
    )
    document = loaded(root)["memoir"]
    assert texts(document) == [
        "The first chapter tells of the arrest in 1981.",
        "The second of the summer of 1988.",
    ]
    assert (document.meta.title, document.meta.date) == ("A prison memoir", "2004-06-01")


def test_an_email_gives_its_headers_as_metadata(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"_defaults.yml": "source: Archive\n"})
    make_eml(
        root / "msg.eml", "Testimony of a survivor", "Tue, 03 Feb 2009 23:30:00 -0500",
        "I survived the summer of 1988 in Gohardasht.\n\nI was released in 1991.",
    )  # fmt: skip
    document = loaded(root)["msg"]
    assert texts(document) == [
        "I survived the summer of 1988 in Gohardasht.",
        "I was released in 1991.",
    ]
    meta = document.meta
    assert (meta.title, meta.date, meta.author) == (
        "Testimony of a survivor", "2009-02-03", "Witness <witness@example.org>",
    )  # fmt: skip


GIF_NOT_READ = (
    "its attachment photo.gif is not indexed: unsupported file type (supported: .docx, .eml, "
    ".epub, .htm, .html, .jpeg, .jpg, .markdown, .md, .odt, .pdf, .png, .tif, .tiff, .txt)"
)


def _copied_in_by_hand(root: Path, body: str = "The message about Gohardasht.") -> Path:
    """An e-mail put in the corpus folder as it came, with its sidecar, not through add."""
    (root / "papers").mkdir(parents=True, exist_ok=True)
    (root / "papers/mail.eml.meta.yml").write_text(
        "source: A family\nsource_type: testimony\ntags: [letters]\nlanguage: en\n"
    )
    return make_eml(
        root / "papers/mail.eml", "Testimony", "Tue, 03 Feb 2009 10:00:00 +0000", body,
        {
            "report.txt": b"The attached report on Qezel Hesar.",
            "photo.gif": b"GIF89a",
            "gozaresh.txt": "گزارش زندان قزل‌حصار".encode("windows-1256"),
        },
    )  # fmt: skip


def _indexed_after_copying_in(tmp_path: Path) -> Path:
    """A corpus of the e-mail of :func:`_copied_in_by_hand`, indexed in ``tmp_path/index``."""
    root = tmp_path / "c"
    _copied_in_by_hand(root)
    build_index(root, tmp_path / "index")
    return root


def _found_and_linked_to_its_message(corpus: Path, index: Path) -> Any:
    """Assert that the attachment ``papers/mail-attachments/report`` is found with the message's
    source and that the two documents' pages link to each other; return a client of the site."""
    hits = search(SearchIndex(index), SearchRequest(q="Qezel", exact=True)).hits
    assert [(h.doc_id, h.source, h.source_type) for h in hits] == [
        ("papers/mail-attachments/report", "A family", "testimony")
    ]
    client = create_app({"CORPUS_DIR": corpus, "INDEX_DIR": index}).test_client()
    message = client.get("/doc/papers/mail").get_data(as_text=True)
    assert "<dt>Attachments</dt>" in message and "/doc/papers/mail-attachments/report" in message
    attachment = client.get("/doc/papers/mail-attachments/report").get_data(as_text=True)
    assert "<dt>Attached to</dt>" in attachment and 'href="/doc/papers/mail"' in attachment
    return client


def test_the_attachments_of_an_email_copied_in_by_hand_are_documents_of_their_own(
    tmp_path: Path,
) -> None:
    root = tmp_path / "c"
    message = _copied_in_by_hand(root)
    (root / "papers/_defaults.yml").write_text("encoding: windows-1256\n")
    corpus = load_corpus(root)
    documents = {document.doc_id: document for document in corpus.documents}
    assert sorted(documents) == [
        "papers/mail", "papers/mail-attachments/gozaresh", "papers/mail-attachments/report",
    ]  # fmt: skip
    report = documents["papers/mail-attachments/report"]
    assert texts(report) == ["The attached report on Qezel Hesar."]
    meta = report.meta
    # what the message's sidecar shares (source, type and tags), not its title, date or
    # language; named by its file, linked to the message
    assert (meta.title, meta.source, meta.source_type, meta.tags, meta.date) == (
        "report.txt", "A family", "testimony", ("letters",), None,
    )  # fmt: skip
    assert meta.attached_to == "papers/mail"
    # the folder's defaults apply as to any file there: the encoding is given, not guessed
    persian = documents["papers/mail-attachments/gozaresh"]
    assert (persian.meta.language, persian.encoding) == ("fa", "cp1256")
    assert texts(persian) == ["گزارش زندان قزل‌حصار"]
    assert corpus.problems == []
    assert [str(w) for w in corpus.warnings] == [f"papers/mail.eml: {GIF_NOT_READ}"]

    build_index(root, tmp_path / "index")
    client = _found_and_linked_to_its_message(root, tmp_path / "index")
    original = client.get("/file/papers/mail-attachments/report")
    assert original.status_code == 200
    assert original.data == b"The attached report on Qezel Hesar."
    assert original.headers["Content-Disposition"] == "attachment; filename=report.txt"
    # an update with nothing changed keeps them; a message that changes brings its attachments
    # as it now has them
    assert build_index(root, tmp_path / "index").wrote is False
    message.write_bytes(b"\xff\x00 no longer an e-mail")  # changed, not yet indexed again
    assert client.get("/file/papers/mail-attachments/report").status_code == 404
    message.unlink()
    make_eml(
        message, "Testimony", "Tue, 03 Feb 2009 10:00:00 +0000", "Text, and one attachment.",
        {"report.txt": b"The attached report on Qezel Hesar, second version."},
    )  # fmt: skip
    report = build_index(root, tmp_path / "index")
    assert (report.added, report.changed, report.removed, report.documents) == (0, 2, 1, 2)
    assert client.get("/file/papers/mail-attachments/report").data.endswith(b"second version.")
    assert client.get("/file/papers/mail-attachments/gozaresh").status_code == 404


def test_the_attachments_of_an_unreadable_message_stay_in_the_index(tmp_path: Path) -> None:
    root = _indexed_after_copying_in(tmp_path)
    sidecar = root / "papers/mail.eml.meta.yml"
    sidecar.unlink()
    outside = tmp_path / "elsewhere.yml"
    outside.write_text("source: Elsewhere\n")
    sidecar.symlink_to(outside)  # the message is not read through it, nor taken as deleted
    report = build_index(root, tmp_path / "index")
    assert (report.removed, report.documents) == (0, 3)
    assert [p.path for p in report.problems] == ["papers/mail.eml", "papers/mail.eml.meta.yml"]


def test_an_email_with_no_text_still_gives_its_attachments(tmp_path: Path) -> None:
    root = tmp_path / "c"
    _copied_in_by_hand(root, body="")
    corpus = load_corpus(root)
    assert [d.doc_id for d in corpus.documents] == [
        "papers/mail-attachments/report", "papers/mail-attachments/gozaresh",
    ]  # fmt: skip
    assert [str(p) for p in corpus.problems] == [
        "papers/mail.eml: the message has no text (only attachments?)",
        f"papers/mail.eml: {GIF_NOT_READ}",
    ]


def test_attachments_of_one_name_but_their_extension_are_one_document(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"_defaults.yml": "source: Archive\n"})
    make_eml(
        root / "mail.eml", "Two reports", "Tue, 03 Feb 2009 10:00:00 +0000", "Both attached.",
        {"report.txt": b"The text version.", "report.md": b"The Markdown version."},
    )  # fmt: skip
    corpus = load_corpus(root)
    assert [d.doc_id for d in corpus.documents] == ["mail", "mail-attachments/report"]
    assert [str(w) for w in corpus.warnings] == [
        "mail.eml: its attachment report.md is not indexed: it would have the id "
        "'mail-attachments/report' of its attachment report.txt"
    ]


def _forwarded(depth: int) -> EmailMessage:
    """A testimony with a list attached, forwarded as an attachment ``depth`` times over."""
    message = EmailMessage()
    message["Subject"], message["Date"] = "Original testimony", "Mon, 01 Aug 1988 10:00:00 +0000"
    message.set_content("I saw the prisoners taken to Gohardasht.")
    message.add_attachment(b"Names: Zarafshan.", maintype="text", subtype="plain",
                           filename="names.txt")  # fmt: skip
    for level in range(depth):
        outer = EmailMessage()
        outer["Subject"] = f"Fwd {level + 1}"
        outer.set_content(f"Forwarded, time {level + 1}.")
        outer.add_attachment(message)
        message = outer
    return message


def test_an_email_forwarded_as_an_attachment_is_read_with_its_own_attachments(
    tmp_path: Path,
) -> None:
    root = write_corpus(tmp_path / "c", {"mail.eml.meta.yml": "source: A family\n"})
    (root / "mail.eml").write_bytes(bytes(_forwarded(1)))
    documents = loaded(root)
    forwarded = documents["mail-attachments/Original testimony"]
    assert (forwarded.meta.title, forwarded.meta.date, forwarded.meta.attached_to) == (
        "Original testimony", "1988-08-01", "mail",
    )  # fmt: skip
    names = documents["mail-attachments/Original testimony-attachments/names"]
    assert (names.meta.source, names.meta.attached_to) == (
        "A family", "mail-attachments/Original testimony",
    )  # fmt: skip
    assert texts(names) == ["Names: Zarafshan."]
    build_index(root, tmp_path / "index")
    assert build_index(root, tmp_path / "index").wrote is False  # all stay while mail.eml does
    client = create_app({"CORPUS_DIR": root, "INDEX_DIR": tmp_path / "index"}).test_client()
    listed = client.get("/file/mail-attachments/Original testimony-attachments/names")
    assert (listed.status_code, listed.data) == (200, b"Names: Zarafshan.")
    whole = client.get("/file/mail-attachments/Original testimony")
    assert whole.status_code == 200 and b"I saw the prisoners" in whole.data

    # add writes the same documents out as files
    added = tmp_path / "added"
    added.mkdir()
    result = cli(added, tmp_path / "index2", "add", str(root / "mail.eml"), "--source", "S")
    assert result.exit_code == 0, result.output
    assert (added / "mail-attachments/Original testimony-attachments/names.txt").is_file()
    assert sorted(d.doc_id for d in load_corpus(added).documents) == sorted(documents)


def test_emails_inside_emails_are_read_only_so_deep(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"_defaults.yml": "source: Archive\n"})
    (root / "mail.eml").write_bytes(bytes(_forwarded(MAX_NESTED_MESSAGES + 2)))
    corpus = load_corpus(root)
    assert len(corpus.documents) == MAX_NESTED_MESSAGES + 1
    added = tmp_path / "added"
    added.mkdir()
    result = cli(added, tmp_path / "index", "add", str(root / "mail.eml"), "--source", "S")
    assert result.exit_code == 0, result.output
    assert len(load_corpus(added).documents) == len(corpus.documents)
    assert [w.reason for w in corpus.warnings] == [NESTED_TOO_DEEP]
    # each forwarded e-mail is named by its subject
    forwards = [f"Fwd {level}.eml" for level in range(MAX_NESTED_MESSAGES + 1, 1, -1)]
    assert corpus.warnings[0].path == " › ".join(["mail.eml", *forwards])


def test_a_message_with_no_text_is_not_read_again_by_each_update(tmp_path: Path) -> None:
    root = tmp_path / "c"
    _copied_in_by_hand(root, body="")
    assert build_index(root, tmp_path / "index").documents == 2
    report = build_index(root, tmp_path / "index")
    assert (report.wrote, report.documents, report.unchanged) == (False, 2, 1)


def test_a_message_whose_sidecar_breaks_keeps_its_attachments_in_the_index(
    tmp_path: Path,
) -> None:
    root = _indexed_after_copying_in(tmp_path)
    (root / "papers/mail.eml.meta.yml").write_text("source: [unclosed\n")
    report = build_index(root, tmp_path / "index")
    assert (report.removed, report.documents) == (0, 3)
    assert [p.path for p in report.problems] == ["papers/mail.eml"]  # once, not per attachment
    (root / "papers/mail.eml.meta.yml").write_text("source: A family\n")
    report = build_index(root, tmp_path / "index")
    assert (report.changed, report.removed, report.documents, report.problems) == (3, 0, 3, [])


def test_a_folder_of_attachments_made_by_hand_takes_over_at_the_next_update(
    tmp_path: Path,
) -> None:
    root = _indexed_after_copying_in(tmp_path)
    folder = root / "papers/mail-attachments"
    folder.mkdir()
    (folder / "report.txt").write_text("The report, saved by hand.")
    report = build_index(root, tmp_path / "index")
    updated = sorted(read_generation(tmp_path / "index").documents)
    assert (report.added, report.removed) == (0, 1)  # report.txt now the file; gozaresh gone
    assert updated == ["papers/mail", "papers/mail-attachments/report"]
    rebuilt = build_index(root, tmp_path / "full", full=True)
    assert rebuilt.documents == len(updated)


def test_an_attachment_cannot_say_it_belongs_elsewhere_and_long_names_are_cut(
    tmp_path: Path,
) -> None:
    root = write_corpus(tmp_path / "c", {"mail.eml.meta.yml": "source: A family\n"})
    long_name = "گزارش " * 40 + ".txt"  # 240 letters: over what a file system allows
    make_eml(
        root / "mail.eml", "Claims", "Tue, 03 Feb 2009 10:00:00 +0000", "See attached.",
        {
            "claim.md": b"---\ntitle: A claim\nsource: Someone else\nattached_to: other\n---\n"
            b"Text.\n",
            long_name: "متن گزارش".encode(),
        },
    )  # fmt: skip
    documents = loaded(root)
    claim = documents["mail-attachments/claim"]
    assert (claim.meta.title, claim.meta.source, claim.meta.attached_to) == (
        "A claim", "A family", "mail",
    )  # fmt: skip
    [cut] = [d for i, d in documents.items() if i.startswith("mail-attachments/گزارش")]
    assert len(PurePosixPath(cut.relative_path).name.encode()) <= 150
    assert cut.relative_path.endswith(".txt") and texts(cut) == ["متن گزارش"]


def test_attachments_past_the_limit_of_one_message_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(files, "MAX_ATTACHMENTS", 1)
    root = write_corpus(tmp_path / "c", {"_defaults.yml": "source: Archive\n"})
    make_eml(
        root / "mail.eml", "Many", "Tue, 03 Feb 2009 10:00:00 +0000", "Three attached.",
        {"a.txt": b"First.", "b.txt": b"Second.", "c.txt": b"Third."},
    )  # fmt: skip
    corpus = load_corpus(root)
    assert [d.doc_id for d in corpus.documents] == ["mail", "mail-attachments/a"]
    assert [w.reason for w in corpus.warnings] == [
        "2 of its 3 attachments are not indexed: at most 1 are read from one message"
    ]


def test_add_writes_attachments_out_and_then_those_files_are_the_attachments(
    tmp_path: Path,
) -> None:
    incoming = _copied_in_by_hand(tmp_path / "in")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    result = cli(corpus, tmp_path / "index", "add", str(incoming), "--source", "A family")
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in (corpus / "mail-attachments").iterdir()) == [
        "_attachments.txt", "gozaresh.txt", "gozaresh.txt.meta.yml", "report.txt",
        "report.txt.meta.yml",
    ]  # fmt: skip
    loaded = load_corpus(corpus)
    assert loaded.problems == [] and all(d.message is None for d in loaded.documents)
    assert sorted(d.doc_id for d in loaded.documents) == [
        "mail", "mail-attachments/gozaresh", "mail-attachments/report",
    ]  # fmt: skip
    # one the researcher deletes stays deleted: it is not read from the message again
    (corpus / "mail-attachments/gozaresh.txt").unlink()
    (corpus / "mail-attachments/gozaresh.txt.meta.yml").unlink()
    report = build_index(corpus, tmp_path / "index")
    assert (report.removed, report.documents) == (1, 2)
    assert build_index(corpus, tmp_path / "index", full=True).documents == 2
    # every attachment skipped by add (a type not read): its folder says add took charge
    only_gif = make_eml(
        tmp_path / "in/gif.eml", "Photo", "Tue, 03 Feb 2009 10:00:00 +0000", "A photo.",
        {"photo.gif": b"GIF89a"},
    )  # fmt: skip
    assert cli(corpus, tmp_path / "index", "add", str(only_gif)).exit_code == 0
    assert (corpus / "gif-attachments/_attachments.txt").is_file()
    assert not [w for w in load_corpus(corpus).warnings if "photo.gif" in w.reason]
    # a second message copied in with an attachment of the same name: in its own folder
    make_eml(
        corpus / "again.eml", "Again", "Wed, 04 Feb 2009 10:00:00 +0000", "Forwarded.",
        {"report.txt": b"The attached report on Qezel Hesar, forwarded."},
    )  # fmt: skip
    build_index(corpus, tmp_path / "index")
    hits = search(SearchIndex(tmp_path / "index"), SearchRequest(q="Qezel", exact=True)).hits
    assert sorted(h.doc_id for h in hits) == [
        "again-attachments/report", "mail-attachments/report",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("a.docx", b"PK broken", "not a readable Word (.docx) file (File is not a zip file)"),
        ("a.odt", b"", "not a readable OpenDocument (.odt) file"),
        ("a.epub", b"junk", "not a readable EPUB file"),
        ("a.png", b"\x89PNG broken", "not a readable image (cannot identify image file"),
        ("a.eml", b"Subject: only headers\n\n", "the message has no text (only attachments?)"),
    ],
)
def test_a_broken_file_gets_one_line_and_the_rest_goes_in(
    tmp_path: Path, name: str, data: bytes, reason: str
) -> None:
    root = write_corpus(tmp_path / "c", {"good.md": "---\ntitle: T\nsource: S\n---\nFine.\n"})
    (root / name).write_bytes(data)
    corpus = load_corpus(root)
    assert [d.doc_id for d in corpus.documents] == ["good"]
    [problem] = corpus.problems
    assert problem.path == name and problem.reason.startswith(reason)
    assert "\n" not in problem.reason


def test_a_docx_without_its_document_part_is_named(tmp_path: Path) -> None:
    import zipfile

    root = tmp_path / "c"
    root.mkdir()
    with zipfile.ZipFile(root / "a.docx", "w") as archive:
        archive.writestr("word/other.xml", "<x/>")
    assert [str(p) for p in load_corpus(root).problems] == [
        "a.docx: no word/document.xml inside: is it really a .docx file?"
    ]


# --- PDFs: headings, their own metadata ----------------------------------------------------------


def test_pdf_headings_join_the_paragraph_after_them(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"r.pdf.meta.yml": "title: T\nsource: S\n"})
    make_pdf(
        root / "r.pdf",
        [["Chapter 2: Evin", "The hearings lasted minutes.", "Last line of the page, a heading?"]],
    )
    assert [(p.page, p.text) for p in loaded(root)["r"].passages] == [
        (1, "Chapter 2: Evin\nThe hearings lasted minutes."),
        (1, "Last line of the page, a heading?"),
    ]


def test_a_heading_that_ends_its_page_stays_on_its_page() -> None:
    passages = page_passages(["Findings", "Testimony\n\nWe were taken at night."], 1200)
    assert [(p.page, p.text) for p in passages] == [
        (1, "Findings"),
        (2, "Testimony\nWe were taken at night."),
    ]


def test_pdf_information_gives_title_author_and_date_unless_it_is_the_file_name(
    tmp_path: Path,
) -> None:
    from fpdf import FPDF

    root = write_corpus(tmp_path / "c", {"_defaults.yml": "source: S\n"})
    for name, title in (("titled", "Report on Evin"), ("named", "named")):
        pdf = FPDF()
        pdf.set_title(title)
        pdf.set_author("Example Rights")
        pdf.set_creation_date(__import__("datetime").datetime(2001, 2, 3, 4, 5))
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, "Some text about the prison.")
        pdf.output(str(root / f"{name}.pdf"))
    documents = loaded(root)
    assert (documents["titled"].meta.title, documents["titled"].meta.author) == (
        "Report on Evin", "Example Rights",
    )  # fmt: skip
    assert documents["titled"].meta.date == "2001-02-03"
    assert documents["named"].meta.title == "named.pdf"  # the file name, shown as such
    assert "no title: shown as its file name" in documents["named"].warnings[0]


# --- encodings and languages ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "codec", "reported"),
    [
        (PERSIAN, "utf-8", "utf-8"),
        (PERSIAN, "utf-8-sig", "utf-8"),
        (PERSIAN, "utf-16", "utf-16"),
        (PERSIAN, "utf-16-le", "utf-16-le"),
        (WESTERN, "utf-16-be", "utf-16-be"),
        (PERSIAN, "windows-1256", "cp1256"),
        (ARABIC, "iso-8859-6", "iso8859-6"),
        (ARABIC, "windows-1256", "cp1256"),
        (WESTERN, "windows-1252", "cp1252"),
        ("Ärger über Straße und Öl", "windows-1252", "cp1252"),
    ],
)
def test_text_encodings_are_detected_and_read_correctly(
    tmp_path: Path, text: str, codec: str, reported: str
) -> None:
    data = (text + "\r\n\r\nSecond paragraph.\r\n").encode(codec)
    decoded = decode_text(data)
    assert decoded.text == text + "\n\nSecond paragraph.\n"
    names = {"utf-8": "utf-8", "utf-16": "utf-16", "utf-16-le": "utf-16-le",
             "utf-16-be": "utf-16-be", "cp1256": "windows-1256", "iso8859-6": "iso-8859-6",
             "cp1252": "windows-1252"}  # fmt: skip
    assert decoded.encoding == names[reported]
    root = write_corpus(tmp_path / "c", {"_defaults.yml": "source: S\n"})
    (root / "t.txt").write_bytes(data)
    document = loaded(root)["t"]
    assert texts(document) == [text, "Second paragraph."]
    assert document.encoding == names[reported]


def test_an_encoding_given_in_the_sidecar_wins(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"t.txt.meta.yml": "source: S\nencoding: iso-8859-6\n"})
    (root / "t.txt").write_bytes(ARABIC.encode("iso-8859-6"))
    document = loaded(root)["t"]
    assert (texts(document), document.encoding, document.warnings[1:]) == (
        [ARABIC], "iso8859-6", (),
    )  # fmt: skip


def test_a_wrong_encoding_in_the_sidecar_is_one_clear_line(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"t.txt.meta.yml": "source: S\nencoding: klingon\n"})
    (root / "t.txt").write_text("x")
    [problem] = load_corpus(root).problems
    assert str(problem) == "t.txt: cannot decode the text as 'klingon' (unknown encoding: klingon)"


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([PERSIAN], "fa"),
        (["The families of the victims."], "en"),
        ([PERSIAN, "Raisi, Pourmohammadi"], "fa"),  # mostly Persian, with names in English
        (["A long English report on the executions, quoting one line:", "هیئت مرگ"], "en"),
        (["1367 — 1988"], None),
    ],
)
def test_language_is_told_by_the_majority_script(parts: list[str], expected: str | None) -> None:
    assert detect_language(parts) == expected


def test_detected_language_is_used_unless_given_and_persian_shows_right_to_left(
    tmp_path: Path,
) -> None:
    root = write_corpus(
        tmp_path / "c",
        {
            "_defaults.yml": "source: S\n",
            "fa.txt": PERSIAN + "\n\nRaisi\n",
            "given.txt": PERSIAN,
            "given.txt.meta.yml": "language: en\n",
        },
    )
    documents = loaded(root)
    assert (documents["fa"].meta.language, documents["fa"].language_detected) == ("fa", True)
    assert (documents["given"].meta.language, documents["given"].language_detected) == (
        "en", False,
    )  # fmt: skip
    build_index(root, tmp_path / "index")
    hits = search(SearchIndex(tmp_path / "index"), SearchRequest(q="هيئت", exact=True)).hits
    assert sorted((hit.doc_id, hit.language, hit.rtl) for hit in hits) == [
        ("fa", "fa", True), ("given", "en", True),
    ]  # fmt: skip
    client = create_app({"CORPUS_DIR": root, "INDEX_DIR": tmp_path / "index"}).test_client()
    page = client.get("/doc/fa").get_data(as_text=True)
    assert 'aria-label="Passage 1" dir="rtl"' in page
    assert 'aria-label="Passage 2" dir="ltr"' in page  # "Raisi" alone reads left to right


# --- folder defaults ----------------------------------------------------------------------------


def test_folder_defaults_apply_below_their_folder_deeper_ones_and_sidecars_win(
    tmp_path: Path,
) -> None:
    root = write_corpus(
        tmp_path / "c",
        {
            "scans/_defaults.yml": "source: Prison archive\nsource_type: testimony\ntags: [evin]\n",
            "scans/a.txt": "Letter A.",
            "scans/court/_defaults.yml": "source_type: court\n",
            "scans/court/b.txt": "Ruling B.",
            "scans/court/c.txt": "Ruling C.",
            "scans/court/c.txt.meta.yml": "title: C\nsource: A court\n",
            "other.md": "---\ntitle: O\nsource: S\n---\nOther.\n",
        },
    )
    documents = loaded(root)
    labels = {
        doc_id: (d.meta.source, d.meta.source_type, d.meta.tags) for doc_id, d in documents.items()
    }
    assert labels == {
        "scans/a": ("Prison archive", "testimony", ("evin",)),
        "scans/court/b": ("Prison archive", "court", ("evin",)),
        "scans/court/c": ("A court", "court", ("evin",)),
        "other": ("S", None, ()),
    }


def test_a_changed_defaults_file_reindexes_the_files_below_it(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"d/_defaults.yml": "source: Old\n", "d/a.txt": "Text."})
    build_index(root, tmp_path / "index")
    before = {f.doc_id: f.content_hash for f in scan_corpus(root).files}
    (root / "d/_defaults.yml").write_text("source: New\n")
    assert {f.doc_id: f.content_hash for f in scan_corpus(root).files} != before
    report = build_index(root, tmp_path / "index")
    assert report.changed == 1
    assert search(SearchIndex(tmp_path / "index"), SearchRequest(q="text")).hits[0].source == "New"


def test_a_broken_defaults_file_is_named(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"d/_defaults.yml": "source: [x\n", "d/a.txt": "Text."})
    [problem] = load_corpus(root).problems
    assert str(problem).startswith("d/a.txt: d/_defaults.yml: metadata is not valid YAML (line")


# --- search-app add FOLDER -----------------------------------------------------------------------


def cli(corpus: Path, index: Path, *args: str):
    paths = ["--corpus", str(corpus), "--index", str(index)]
    return CliRunner().invoke(main, [*args, *paths], catch_exceptions=False)


def test_add_a_whole_folder_with_one_set_of_flags(tmp_path: Path) -> None:
    incoming = tmp_path / "papers"
    make_docx(incoming / "letter.docx", [("", "A letter about Evin prison.")], {"title": "L"})
    (incoming / "notes/fa.txt").parent.mkdir(parents=True)
    (incoming / "notes/fa.txt").write_bytes(PERSIAN.encode("windows-1256"))
    (incoming / "notes/copy.txt").write_bytes(PERSIAN.encode("windows-1256"))
    (incoming / "notes/_defaults.yml").write_text("tags: [notes]\n")
    (incoming / "broken.odt").write_bytes(b"junk")
    (incoming / "photo.gif").write_bytes(b"GIF89a")
    make_eml(
        incoming / "mail.eml", "Testimony", "Tue, 03 Feb 2009 10:00:00 +0000",
        "The message about Gohardasht.", {"report.txt": b"The attached report on Qezel Hesar."},
    )  # fmt: skip
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    result = cli(
        corpus, tmp_path / "index", "add", str(incoming), "--source", "A family",
        "--source-type", "testimony",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[:-1] == [
        f"Added {corpus}/papers/letter.docx as 'papers/letter': language en (told from the text)",
        f"Added {corpus}/papers/mail.eml as 'papers/mail': language en (told from the text)",
        f"  attachment {corpus}/papers/mail-attachments/report.txt as "
        "'papers/mail-attachments/report': language en (told from the text)",
        f"Added {corpus}/papers/notes/copy.txt as 'papers/notes/copy': language fa (told from the "
        "text); read as windows-1256",
        "3 added, 3 skipped",
    ]
    assert result.stdout.splitlines()[-1].startswith("Built index")
    skipped = [line for line in result.stderr.splitlines() if line.startswith("skipped")]
    assert skipped == [
        "skipped broken.odt: broken.odt: not a readable OpenDocument (.odt) file (File is not a "
        "zip file): open and save it again, then add it; nothing added",
        "skipped notes/fa.txt: fa.txt is already in the corpus as papers/notes/copy.txt (document "
        "'papers/notes/copy'): nothing added",
        "skipped photo.gif: photo.gif: unsupported file type (supported: .docx, .eml, .epub, .htm, "
        ".html, .jpeg, .jpg, .markdown, .md, .odt, .pdf, .png, .tif, .tiff, .txt)",
    ]
    assert (corpus / "papers/notes/_defaults.yml").read_text() == "tags: [notes]\n"
    _found_and_linked_to_its_message(corpus, tmp_path / "index")
    fa = load_corpus(corpus).documents
    assert next(d for d in fa if d.doc_id == "papers/notes/copy").meta.tags == ("notes",)


def test_add_folder_refuses_a_title_and_a_name_outside_the_corpus(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    result = cli(corpus, tmp_path / "index", "add", str(tmp_path / "in"), "--title", "T")
    assert result.stderr == (
        "Error: --title names one document: leave it out when adding a folder\n"
    )
    result = cli(corpus, tmp_path / "index", "add", str(tmp_path / "in"), "--name", "../x")
    assert "must be a path inside the corpus" in result.stderr


def test_add_a_persian_file_shows_its_language_and_a_given_one_wins(tmp_path: Path) -> None:
    (tmp_path / "fa.txt").write_text(PERSIAN)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    result = cli(corpus, tmp_path / "index", "add", str(tmp_path / "fa.txt"), "--source", "S")
    assert result.stdout.splitlines()[0].endswith("language fa (told from the text)")
    (tmp_path / "en.txt").write_text(PERSIAN + " 2")
    result = cli(
        corpus, tmp_path / "index", "add", str(tmp_path / "en.txt"), "--source", "S",
        "--language", "en",
    )  # fmt: skip
    assert result.stdout.splitlines()[0].endswith("'en': language en")


def test_a_damaged_pdf_that_still_reads_prints_no_library_warnings(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"r.pdf.meta.yml": "title: T\nsource: S\n"})
    data = make_pdf(root / "r.pdf", [["Some text about Evin."]]).read_bytes()
    (root / "r.pdf").write_bytes(data[: data.rfind(b"startxref")] + b"startxref\n999\n%%EOF\n")
    result = cli(root, tmp_path / "index", "check")
    assert (result.exit_code, result.stderr) == (0, "")
    assert result.stdout == "1 documents (1 passages) are valid; 0 problems\n"


def test_a_defaults_file_linking_out_of_the_corpus_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yml"
    outside.write_text("source: Secret\n")
    root = write_corpus(tmp_path / "c", {"d/a.txt": "Text."})
    (root / "d/_defaults.yml").symlink_to(outside)
    corpus = load_corpus(root)
    assert [str(p) for p in corpus.problems] == [
        "d/_defaults.yml: a link out of the corpus: not read (links out are never followed; "
        "copy the file into the corpus instead)"
    ]
    assert [d.meta.source for d in corpus.documents] == ["d"]  # labelled by its folder


def test_add_folder_does_not_follow_links_in_the_folder(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("Outside the folder.")
    incoming = tmp_path / "in"
    incoming.mkdir()
    (incoming / "note.txt").write_text("A note about Evin.")
    (incoming / "link.txt").symlink_to(tmp_path / "secret.txt")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    result = cli(corpus, tmp_path / "index", "add", str(incoming), "--source", "S")
    assert "skipped link.txt: a link: not followed (add the file it points to)" in result.stderr
    assert sorted(p.name for p in (corpus / "in").iterdir()) == ["note.txt", "note.txt.meta.yml"]
