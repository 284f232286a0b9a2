"""Corpus files built to hurt: they become that file's one-line problem, never a crash, a hang, a
memory blow-up or a read outside the corpus; the rest of the corpus is indexed."""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_app.cli import main
from search_app.corpus.files import load_corpus
from search_app.corpus.intake import IntakeError, add_file
from search_app.engine.documents import get_document
from search_app.engine.readers import SearchIndex
from tests.conftest import found, start_server, stop_server, write_corpus
from tests.documents import SAVED_PAGE, make_flate_bomb_pdf, make_owner_only_aes_pdf

GOOD = {
    "good.md": "---\ntitle: Good\nsource: S\n---\n\nThe death commission met in Evin.\n",
}
PDF_META = "title: T\nsource: S\n"
BOMB_REASON = (
    "cannot read the PDF: a compressed part of it unpacks past pypdf's size limit "
    "(the file is damaged, or built to exhaust memory)"
)


def cli(corpus: Path, index: Path, *args: str):
    paths = ["--corpus", str(corpus), "--index", str(index)]
    return CliRunner().invoke(main, [*args, *paths], catch_exceptions=False)


@pytest.fixture
def bomb_corpus(tmp_path: Path) -> Path:
    """A good document and a 78 KB PDF whose page stream inflates to 80 MB (issue 14, item 2)."""
    root = write_corpus(tmp_path / "corpus", {**GOOD, "bomb.pdf.meta.yml": PDF_META})
    make_flate_bomb_pdf(root / "bomb.pdf")
    return root


# --- item 2: any extractor error is the file's problem --------------------------------------


def test_a_flate_bomb_is_the_files_problem_in_check_and_index(
    bomb_corpus: Path, tmp_path: Path
) -> None:
    checked = cli(bomb_corpus, tmp_path / "index", "check")
    assert checked.exit_code == 1
    assert checked.stderr == f"bomb.pdf: {BOMB_REASON}\n"
    assert checked.stdout == "1 documents (1 passages) are valid; 1 problem\n"
    indexed = cli(bomb_corpus, tmp_path / "index", "index")
    assert indexed.exit_code == 0
    assert indexed.stderr == f"bomb.pdf: {BOMB_REASON}\n"
    assert indexed.stdout.endswith("1 documents, 1 passages (1 added, 0 changed, 0 removed, "
                                   "0 unchanged); 1 file skipped\n")  # fmt: skip


def test_a_flate_bomb_is_refused_by_add_with_the_reason(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", GOOD)
    bomb = make_flate_bomb_pdf(tmp_path / "in" / "bomb.pdf")
    result = cli(corpus, tmp_path / "index", "add", str(bomb), "--title", "T", "--source", "S")
    assert result.exit_code == 1
    assert result.stderr == f"Error: bomb.pdf: {BOMB_REASON}; nothing added\n"
    assert sorted(p.name for p in corpus.iterdir()) == ["good.md"]


def test_serve_builds_the_index_without_the_bomb(bomb_corpus: Path, tmp_path: Path) -> None:
    server = start_server(bomb_corpus, tmp_path / "index")
    try:
        with urllib.request.urlopen(server.url + "/healthz", timeout=10) as response:
            health = json.load(response)
    finally:
        output = stop_server(server)
    assert (health["status"], health["documents"], health["passages"]) == ("ok", 1, 1)
    assert f"bomb.pdf: {BOMB_REASON}\n" in output
    assert "Traceback" not in output


def test_an_owner_password_aes_pdf_is_read(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"aes.pdf.meta.yml": PDF_META})
    make_owner_only_aes_pdf(corpus / "aes.pdf", ["Prisoners were moved to Gohardasht."])
    [document] = load_corpus(corpus).documents
    assert [p.text for p in document.passages] == ["Prisoners were moved to Gohardasht."]
    assert cli(corpus, tmp_path / "index", "index").exit_code == 0
    assert found(SearchIndex(tmp_path / "index"), "Gohardasht") == ["aes#1"]


@pytest.mark.parametrize(
    ("name", "target"),
    [("page.html", "trafilatura.extract"), ("report.pdf", "pypdf.PdfReader.__init__")],
)
def test_any_unforeseen_extractor_error_is_the_files_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, target: str
) -> None:
    """A library failing in a way nobody foresaw (here made to) still names only that file."""

    def fail(*args, **kwargs):
        raise RuntimeError("unexpected\nfailure deep inside")

    monkeypatch.setattr(target, fail)
    corpus = write_corpus(tmp_path / "corpus", {**GOOD, name: "x", f"{name}.meta.yml": PDF_META})
    result = cli(corpus, tmp_path / "index", "check")
    assert result.exit_code == 1
    assert result.stderr == (
        f"{name}: cannot read the file (RuntimeError: unexpected failure deep inside)\n"
    )
    assert result.stdout == "1 documents (1 passages) are valid; 1 problem\n"


# --- item 4: YAML aliases ---------------------------------------------------------------------

#: 286 bytes of YAML that expand to 9**9 list items once turned into text (issue 14, item 4).
ALIAS_BOMB = "date: [" + ",".join(
    ["&a [" + ",".join("x" * 9) + "]"]
    + [f"&{name} [" + ",".join([f"*{chr(ord(name) - 1)}"] * 9) + "]" for name in "bcdefghi"]
) + "]\ntitle: T\nsource: S\n"  # fmt: skip


def run_limited(*args: str, memory_mb: int = 1024, timeout: float = 60) -> tuple[int, str, str]:
    """Run ``search-app`` in a child whose memory is capped, so a blow-up fails, not the machine."""

    def cap() -> None:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "search_app", *args],
        capture_output=True, text=True, timeout=timeout, preexec_fn=cap,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize(
    ("files", "name"),
    [
        ({"bomb.md": f"---\n{ALIAS_BOMB}---\n\nBody.\n"}, "bomb.md"),
        ({"bomb.txt": "Body.\n", "bomb.txt.meta.yml": ALIAS_BOMB}, "bomb.txt"),
    ],
)
def test_a_yaml_alias_bomb_is_refused_before_it_expands(
    tmp_path: Path, files: dict[str, str], name: str
) -> None:
    assert len(ALIAS_BOMB.split("\n")[0]) == 286
    corpus = write_corpus(tmp_path / "corpus", {**GOOD, **files})
    paths = ("--corpus", str(corpus), "--index", str(tmp_path / "index"))
    code, out, err = run_limited("check", *paths)
    assert (code, out) == (1, "1 documents (1 passages) are valid; 1 problem\n")
    assert err == (
        f"{name}: metadata is not valid YAML (line 1): anchors and aliases (& and *) are not "
        "allowed in metadata: write each value out\n"
    )
    code, out, err = run_limited("index", *paths)
    assert code == 0 and out.endswith("; 1 file skipped\n")


def test_add_refuses_an_alias_bomb_in_a_sidecar(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", GOOD)
    incoming = write_corpus(tmp_path / "in", {"x.txt": "Body.\n", "x.txt.meta.yml": ALIAS_BOMB})
    code, _out, err = run_limited(
        "add", str(incoming / "x.txt"), "--corpus", str(corpus), "--index", str(tmp_path / "i")
    )
    assert code == 1
    assert err == (
        "Error: x.txt: metadata is not valid YAML (line 1): anchors and aliases (& and *) are not "
        "allowed in metadata: write each value out\n"
    )


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("date: [2020, 2021]", "field 'date' must be one date like 2020-08-20, not a list"),
        ("date: {year: 2020}", "field 'date' must be one date like 2020-08-20, not a mapping"),
        ("title: [a, b]", "field 'title' must be text, not a list"),
        ("source: {a: b}", "field 'source' must be text, not a mapping"),
        ("tags: [[a], b]", "field 'tags' must be a list of words"),
    ],
)
def test_a_list_or_mapping_where_a_value_belongs_is_refused(
    tmp_path: Path, line: str, reason: str
) -> None:
    fields = {"title": "title: T", "source": "source: S", line.split(":")[0]: line}
    corpus = write_corpus(tmp_path, {"x.md": "---\n" + "\n".join(fields.values()) + "\n---\nB\n"})
    assert [str(p) for p in load_corpus(corpus).problems] == [f"x.md: {reason}"]


# --- item 5: links never lead out of the corpus ----------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """Files beside the corpus that no link may bring into it."""
    return write_corpus(
        tmp_path / "outside",
        {
            "secret.txt": "Outside secret: the passwords are here.\n",
            "meta.yml": "title: Secret\nsource: Outside\n",
            "folder/doc.md": "---\ntitle: Outside\nsource: O\n---\n\nOutside secret folder.\n",
            "_variants.txt": "secret, passwords\n",
        },
    )


def test_links_out_of_the_corpus_are_never_followed_and_check_names_each(
    tmp_path: Path, outside: Path
) -> None:
    corpus = write_corpus(
        tmp_path / "corpus",
        {**GOOD, "leak.txt.meta.yml": "title: Leak\nsource: S\n", "note.txt": "A note.\n"},
    )
    (corpus / "leak.txt").symlink_to(outside / "secret.txt")
    (corpus / "note.txt.meta.yml").symlink_to(outside / "meta.yml")
    (corpus / "folder").symlink_to(outside / "folder", target_is_directory=True)
    (corpus / "broken.md").symlink_to(outside / "missing.md")
    (corpus / "_variants.txt").symlink_to(outside / "_variants.txt")
    result = cli(corpus, tmp_path / "index", "check")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "_variants.txt: a link out of the corpus: not read (links out are never followed; "
        "copy the file into the corpus instead)",
        "broken.md: a link out of the corpus: not read (links out are never followed; "
        "copy the file into the corpus instead)",
        "folder: a link out of the corpus: not read (links out are never followed; "
        "copy the folder into the corpus instead)",
        "leak.txt: a link out of the corpus: not read (links out are never followed; "
        "copy the file into the corpus instead)",
        "note.txt: not read: its metadata note.txt.meta.yml is a link out of the corpus",
        "note.txt.meta.yml: a link out of the corpus: not read (links out are never followed; "
        "copy the file into the corpus instead)",
    ]
    assert result.stdout == "1 documents (1 passages) are valid; 6 problems\n"
    assert cli(corpus, tmp_path / "index", "index").exit_code == 0
    index = SearchIndex(tmp_path / "index")
    assert found(index, "secret") == found(index, "passwords") == found(index, "note") == []
    assert index.variants().listed == {}
    assert found(index, "Evin") == ["good#1"]


def test_a_link_to_a_file_inside_the_corpus_is_a_document_of_its_own_name(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", GOOD)
    (corpus / "same.md").symlink_to(corpus / "good.md")
    (corpus / "relative.md").symlink_to("good.md")
    assert [d.doc_id for d in load_corpus(corpus).documents] == ["good", "relative", "same"]


def test_a_corpus_folder_reached_through_a_link_is_read(tmp_path: Path) -> None:
    real = write_corpus(tmp_path / "real", GOOD)
    (tmp_path / "corpus").symlink_to(real, target_is_directory=True)
    corpus = load_corpus(tmp_path / "corpus")
    assert ([d.doc_id for d in corpus.documents], corpus.problems) == (["good"], [])


def test_add_never_writes_through_a_link(tmp_path: Path, outside: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", GOOD)
    (corpus / "dir").symlink_to(outside / "folder", target_is_directory=True)
    incoming = write_corpus(tmp_path / "in", {"x.md": "---\ntitle: X\nsource: S\n---\n\nX.\n"})
    before = sorted(p.name for p in outside.rglob("*"))
    result = cli(corpus, tmp_path / "index", "add", str(incoming / "x.md"), "--name", "dir/x.md")
    assert result.exit_code == 1
    assert result.stderr == (
        "Error: dir in the corpus is a link: add the file to the folder it points to "
        "(nothing is written through links)\n"
    )
    assert sorted(p.name for p in outside.rglob("*")) == before


# --- item 12: file names with control characters ---------------------------------------------

NAME_REASON = (
    "the file name has a control character (a line break, a tab...): rename the file; "
    "links to it could not work"
)


@pytest.mark.parametrize("name", ["line\nbreak.md", "carriage\rreturn.md", "dir\tx/a.md"])
def test_a_file_name_with_a_control_character_is_refused(tmp_path: Path, name: str) -> None:
    doc = "---\ntitle: T\nsource: S\n---\n\nBody.\n"
    corpus = load_corpus(write_corpus(tmp_path / "corpus", {**GOOD, name: doc}))
    assert [d.doc_id for d in corpus.documents] == ["good"]
    assert [(p.path, p.reason) for p in corpus.problems] == [(name, NAME_REASON)]


def test_add_refuses_a_name_with_a_control_character(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", GOOD)
    incoming = write_corpus(tmp_path / "in", {"x.md": "---\ntitle: X\nsource: S\n---\n\nX.\n"})
    with pytest.raises(IntakeError) as refused:
        add_file(incoming / "x.md", corpus, {}, name="a\r\nb.md")
    assert str(refused.value) == f"--name 'a\\r\\nb.md': {NAME_REASON}"
    assert sorted(p.name for p in corpus.iterdir()) == ["good.md"]


# --- item 10: text of a saved page that looks like HTML is text -------------------------------

LITERAL_PAGE = SAVED_PAGE.replace(
    "<p>Witnesses said",
    "<p>The forum post read &lt;script&gt;alert(1)&lt;/script&gt; and 5 &lt; 6 &amp;&amp; 7 "
    "&gt; 3, then <code>if a &lt; b</code> in code.</p>\n<p>Witnesses said",
)


def test_a_saved_pages_literal_markup_is_indexed_and_shown_as_text(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus", {"page.html": LITERAL_PAGE})
    (corpus / "page.html.meta.yml").write_text("source: Example Rights\n")
    [document] = load_corpus(corpus).documents
    literal = (
        "The forum post read <script>alert(1)</script> and 5 < 6 && 7 > 3, then if a < b in code."
    )
    assert literal in [p.text for p in document.passages]
    assert cli(corpus, tmp_path / "index", "index").exit_code == 0
    index = SearchIndex(tmp_path / "index")
    assert found(index, "alert") == ["page#2"]
    view = get_document(index, "page", "alert")
    assert view.passages[1].html == (
        "<p>The forum post read &lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt; and 5 &lt; 6 "
        "&amp;&amp; 7 &gt; 3, then <code>if a &lt; b</code> in code.</p>"
    )
