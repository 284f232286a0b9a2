"""Corpus files built to hurt: they become that file's one-line problem, never a crash, a hang, a
memory blow-up or a read outside the corpus; the rest of the corpus is indexed."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_app.cli import main
from search_app.corpus.loading import load_corpus
from tests.conftest import found, start_server, stop_server, write_corpus
from tests.documents import make_flate_bomb_pdf, make_owner_only_aes_pdf

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
    from search_app.engine.readers import SearchIndex

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

    module, attribute = target.rsplit(".", 1)
    monkeypatch.setattr(_resolve(module), attribute, fail)
    corpus = write_corpus(tmp_path / "corpus", {**GOOD, name: "x", f"{name}.meta.yml": PDF_META})
    result = cli(corpus, tmp_path / "index", "check")
    assert result.exit_code == 1
    assert result.stderr == (
        f"{name}: cannot read the file (RuntimeError: unexpected failure deep inside)\n"
    )
    assert result.stdout == "1 documents (1 passages) are valid; 1 problem\n"


def _resolve(dotted: str):
    import importlib

    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            thing = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for part in parts[cut:]:
            thing = getattr(thing, part)
        return thing
    raise ImportError(dotted)
