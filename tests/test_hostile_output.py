"""What the terminal and the browser show of hostile text: never an escape sequence a terminal
obeys, never a bidi control that reorders the page; Persian and line structure kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_app import create_app
from search_app.cli import main
from search_app.corpus.files import load_corpus
from search_app.engine.documents import get_document
from search_app.engine.indexing import build_index
from search_app.engine.readers import SearchIndex
from tests.conftest import write_corpus

ESC, BEL, RLO, PDF = "\x1b", "\x07", "\u202e", "\u202c"
PERSIAN = "رئیسی\u200cها"  # with a zero-width non-joiner, which must stay
HOSTILE = {
    "evin.md": (
        '---\ntitle: "\\e]0;pwned\\a Evin report"\nsource: "\\e[2J Cleared"\n---\n\n'
        f"Guards at Evin {ESC}]52;c;cm0gLXJmIH4={BEL} wrote {RLO}desrever{PDF} by {PERSIAN}.\n"
    ),
}


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    root = write_corpus(tmp_path / "corpus", HOSTILE)
    build_index(root, tmp_path / "index")
    return root


def run(corpus: Path, *args: str, stdin: str | None = None):
    paths = ["--corpus", str(corpus), "--index", str(corpus.parent / "index")]
    # color=True: as on a terminal, where click leaves escape sequences in
    return CliRunner().invoke(main, [*args, *paths], input=stdin, color=True)


def test_search_shows_control_characters_as_visible_escapes(corpus: Path) -> None:
    result = run(corpus, "search", "guards")
    bold = "\x1b[1m\x1b[4m"  # the highlight's own styling, the only escape sequence printed
    assert result.stdout == (
        "1 passage in 1 document matches 'guards'; showing 1\n"
        "\n"
        "1. \\x1b[2J Cleared · \\x1b]0;pwned\\x07 Evin report\n"
        "   /doc/evin?q=guards#p-1\n"
        f"   {bold}Guards\x1b[0m at Evin \\x1b]52;c;cm0gLXJmIH4=\\x07 wrote desrever by "
        f"{PERSIAN}.\n"
    )


def test_search_json_keeps_the_data_and_escapes_what_a_terminal_obeys(corpus: Path) -> None:
    result = run(corpus, "search", "guards", "--json")
    assert not set(result.stdout) & {ESC, BEL, RLO, PDF, "\x9b"}
    [hit] = json.loads(result.stdout)["results"]
    assert hit["title"] == f"{ESC}]0;pwned{BEL} Evin report"
    assert f"{RLO}desrever{PDF} by {PERSIAN}" in hit["highlight"]


def test_batch_names_and_check_problems_are_one_safe_line_each(corpus: Path) -> None:
    result = run(corpus, "batch", "-", stdin=f"Evin{ESC}[2J\nGuards\n\x9b31m Raisi\n")
    assert result.stdout.splitlines() == [
        "passages documents  line  name",
        "       1         1     2  Guards",
        "       0         0     1  Evin\\x1b[2J",
        "       0         0     3  \\x9b31m Raisi",
    ]
    (corpus / f"{ESC}[31mred\nfake.md").write_text("---\ntitle: T\nsource: S\n---\n\nB\n")
    result = run(corpus, "check")
    assert result.stderr == (
        "\\x1b[31mred\\nfake.md: the file name has a control character (a line break, a tab...): "
        "rename the file; links to it could not work\n"
    )


def test_error_messages_escape_control_characters(corpus: Path, tmp_path: Path) -> None:
    result = run(corpus, "add", str(tmp_path / f"no{ESC}]0;x{BEL}.md"))
    assert result.exit_code == 1
    assert result.stderr == f"Error: {tmp_path}/no\\x1b]0;x\\x07.md is not a file\n"


# --- item 12: reference-style links, bidi controls --------------------------------------------

REFERENCES = """---
title: References
source: S
---

The report is [online][amnesty], see also [Amnesty] and [elsewhere][bad].

Another paragraph [quoting][Amnesty] again.

[amnesty]: https://www.amnesty.org/report "Amnesty report"
[bad]: javascript:alert(1)
"""


def test_reference_style_links_defined_anywhere_in_the_document_work(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "corpus", {"refs.md": REFERENCES})
    [document] = load_corpus(root).documents
    assert [p.text for p in document.passages] == [
        "The report is online, see also Amnesty and [elsewhere][bad].",
        "Another paragraph quoting again.",
    ]
    build_index(root, tmp_path / "index")
    view = get_document(SearchIndex(tmp_path / "index"), "refs")
    link = '<a href="https://www.amnesty.org/report" title="Amnesty report" rel="noopener noreferrer nofollow">'  # noqa: E501
    assert [p.html for p in view.passages] == [
        f"<p>The report is {link}online</a>, see also {link}Amnesty</a> and [elsewhere][bad].</p>",
        f"<p>Another paragraph {link}quoting</a> again.</p>",
    ]


BIDI = {
    "bidi.md": (
        f"---\ntitle: Title {RLO}desrever\nsource: S\nlanguage: fa\n---\n\n"
        f"Evin before {RLO}desrever{PDF} after \u2067isolate\u2069 \u202bembed\u202c "
        f"mark\u200f and {PERSIAN}.\n"
    ),
}
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def test_bidi_controls_are_stripped_from_pages_and_kept_in_the_data(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "corpus", BIDI)
    build_index(root, tmp_path / "index")
    app = create_app({"TESTING": True, "CORPUS_DIR": root, "INDEX_DIR": tmp_path / "index"})
    client = app.test_client()
    for url in ["/search?q=Evin", "/doc/bidi?q=Evin", "/"]:
        page = client.get(url).get_data(as_text=True)
        assert not set(page) & BIDI_CONTROLS, url
        assert "desrever" in page and "\u200f" in page or url == "/", url
        assert PERSIAN in page or url == "/", url
    assert "Title desrever" in client.get("/").get_data(as_text=True)
    [hit] = client.get("/api/search?q=Evin").get_json()["results"]
    assert hit["title"] == f"Title {RLO}desrever"
    assert f"{RLO}desrever{PDF}" in hit["highlight"]
