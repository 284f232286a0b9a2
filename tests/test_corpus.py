import random
from pathlib import Path

import pytest
import yaml

from search_app.corpus.files import load_corpus
from search_app.corpus.metadata import (
    DocumentError,
    Problem,
    _MetadataLoader,
    load_yaml,
    parse_date,
    parse_metadata,
    split_front_matter,
)
from search_app.corpus.passages import (
    markdown_blocks,
    markdown_passages,
    split_sentences,
    text_passages,
)
from search_app.corpus.rendering import markdown_to_html
from search_app.corpus.scanning import scan_corpus
from tests.conftest import REPO, write_corpus


def test_fixture_corpus_loads_every_document(corpus_dir: Path) -> None:
    corpus = load_corpus(corpus_dir)
    assert corpus.problems == []
    assert [d.doc_id for d in corpus.documents] == [
        "hostile",
        "news/graves",
        "notes/plain",
        "reports/commission",
    ]
    commission = corpus.documents[3]
    assert commission.meta.title == "The Death Commission in Tehran"
    assert commission.meta.date == "2019-06-01"  # YAML reads it as a date; we keep ISO text
    assert commission.meta.tags == ("commission", "tehran")
    assert commission.format == "markdown"
    assert [p.number for p in commission.passages] == [1, 2, 3]
    assert commission.passages[0].markdown.startswith("# Findings\n\nThe death commission")
    assert commission.passages[0].text.startswith("Findings\nThe death commission")


def test_plain_text_takes_metadata_from_its_sidecar(corpus_dir: Path) -> None:
    plain = next(d for d in load_corpus(corpus_dir).documents if d.doc_id == "notes/plain")
    assert plain.meta.source == "Field notes"
    assert plain.format == "text"
    assert [p.text for p in plain.passages] == [
        "A plain text note about the death commission and its members.",
        "It has two paragraphs and a <script>alert('txt')</script> tag.",
    ]


def test_shipped_corpus_is_valid() -> None:
    corpus = load_corpus(REPO / "corpus")
    assert corpus.problems == []
    sources = {d.meta.source for d in corpus.documents}
    assert "Iran News Update" in sources
    by_id = {d.doc_id: d for d in corpus.documents}
    article = by_id["iran-news-update-1988-massacre-accountability"]
    assert article.meta.language == "en"
    assert article.meta.date is None and article.meta.url is None  # the seed gives neither
    assert article.passages[-1].text == "Source » irannewsupdate"
    cited = [d for d in corpus.documents if d.meta.cited_in]
    assert len(cited) == 6
    assert all(d.meta.cited_in == article.doc_id for d in cited)
    translation = by_id["fa/iran-news-update-1988-massacre-accountability"]
    assert (translation.meta.language, translation.meta.translation_of) == ("fa", article.doc_id)
    assert translation.meta.title.endswith("(ترجمهٔ فارسی)")
    assert len(translation.passages) == len(article.passages) + 1  # a note, then one per paragraph
    assert "ترجمهٔ فارسی" in translation.passages[0].text


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"a.md": "---\ntitle: T\n"}, "a.md: front matter is not closed"),
        ({"a.md": "---\ntitle: T\nsource: S\ndate: 2020-13\n---\nx\n"}, "a.md: date '2020-13'"),
        ({"a.md": "---\n- a list\n---\nbody\n"}, "a.md: metadata must be a YAML mapping"),
        ({"a.md": "---\ntitle: [unclosed\n---\nx\n"}, "a.md: metadata is not valid YAML (line"),
        ({"a.md": "---\ntitle: T\nsource: S\n---\n\n\n"}, "a.md: empty document: no text to index"),
        ({"a.doc": "x"}, "a.doc: unsupported file type (supported: .docx, .eml, .epub, .htm,"),
        ({"x.txt.meta.yml": "title: T\n"}, "x.txt.meta.yml: sidecar without a document file"),
        (
            {"a.md": "---\ntitle: T\nsource: S\n---\nx\n", "a.txt": "y"},
            "a.txt: duplicate document id 'a'",
        ),
    ],
)  # fmt: skip
def test_problems_name_the_file_and_the_reason(
    tmp_path: Path, files: dict[str, str], expected: str
) -> None:
    corpus = load_corpus(write_corpus(tmp_path / "c", files))
    assert len(corpus.problems) == 1
    assert str(corpus.problems[0]).startswith(expected)


def test_files_nobody_described_are_indexed_with_a_label_and_a_warning(tmp_path: Path) -> None:
    root = write_corpus(
        tmp_path / "c",
        {
            "loose.md": "A note without front matter.\n",
            "letters/a.txt": "A letter without a sidecar.\n",
            "titled.md": "---\ntitle: Only a title\n---\nText.\n",
        },
    )
    corpus = load_corpus(root)
    assert corpus.problems == []
    labels = {d.doc_id: (d.meta.title, d.meta.source) for d in corpus.documents}
    assert labels == {
        "loose": ("loose.md", "corpus"),
        "letters/a": ("a.txt", "letters"),
        "titled": ("Only a title", "corpus"),
    }
    assert [str(w) for w in corpus.warnings] == [
        "letters/a.txt: no title: shown as its file name; add title: to a.txt.meta.yml",
        "letters/a.txt: no source: labelled by its folder 'letters'; add source: to "
        "a.txt.meta.yml or to a _defaults.yml in its folder",
        "loose.md: no title: shown as its file name; add title: to its front matter",
        "loose.md: no source: labelled by its folder 'corpus'; add source: to its front matter "
        "or to a _defaults.yml in its folder",
        "titled.md: no source: labelled by its folder 'corpus'; add source: to its front matter "
        "or to a _defaults.yml in its folder",
    ]


def test_non_utf8_file_is_a_problem_and_the_rest_still_loads(tmp_path: Path) -> None:
    root = write_corpus(tmp_path / "c", {"good.md": "---\ntitle: T\nsource: S\n---\nfine\n"})
    (root / "bad.md").write_bytes(b"---\ntitle: T\nsource: S\n---\ncaf\xe9\n")
    corpus = load_corpus(root)
    assert [d.doc_id for d in corpus.documents] == ["good"]
    assert corpus.problems == [
        Problem("bad.md", "not UTF-8 text (byte 30): save the file as UTF-8")
    ]


def test_hidden_and_underscore_files_are_not_documents(tmp_path: Path) -> None:
    root = write_corpus(
        tmp_path / "c",
        {".draft.md": "x", "_variants.txt": "x", "_private/a.md": "x", ".git/x.md": "x"},
    )
    scan = scan_corpus(root)
    assert scan.files == [] and scan.problems == []


def test_missing_corpus_folder_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="does not exist: create it or pass --corpus"):
        scan_corpus(tmp_path / "nope")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "T"}, "missing required field 'source'"),
        ({"title": " ", "source": "S"}, "missing required field 'title'"),
        ({"title": "T", "source": "S", "source_type": "blog"}, "source_type 'blog' is not one of"),
        ({"title": "T", "source": "S", "date": "20-1-1"}, "date '20-1-1' is not an ISO date"),
        ({"title": "T", "source": "S", "date": "2020-02-30"}, "date '2020-02-30' does not exist"),
        ({"title": "T", "source": "S", "url": "javascript:alert(1)"}, "is not an http:// or https://"),
        ({"title": "T", "source": "S", "url": "ftp://x.org/a"}, "is not an http:// or https://"),
        ({"title": "T", "source": "S", "language": "de"}, "language 'de' is not one of: en, fa"),
        ({"title": "T", "source": "S", "colour": "red"}, "unknown field 'colour'"),
        ({"title": "T", "source": "S", "tags": {"a": 1}}, "field 'tags' must be a list"),
        ({"title": ["T"], "source": "S"}, "field 'title' must be text"),
    ],
)  # fmt: skip
def test_metadata_validation(data: dict, message: str) -> None:
    with pytest.raises(DocumentError, match=message.replace("(", r"\(")):
        parse_metadata(data)


def test_metadata_defaults_and_tag_string() -> None:
    meta = parse_metadata({"title": "T", "source": "S", "date": 1988, "tags": "a, b"})
    assert (meta.language, meta.date, meta.tags) == ("en", "1988", ("a", "b"))


@pytest.mark.parametrize("value", ["1988", "1988-07", "1988-07-19"])
def test_partial_iso_dates_are_kept_as_written(value: str) -> None:
    assert parse_date(value) == value


def test_front_matter_split_keeps_body() -> None:
    data, body = split_front_matter("---\ntitle: T\nsource: S\n---\n\nBody --- text\n")
    assert data == {"title": "T", "source": "S"}
    assert body == "\nBody --- text\n"


def test_blocks_join_headings_and_keep_fences_whole() -> None:
    body = "# Title\n\nFirst para\nline two.\n\n```\ncode\n\nmore code\n```\n\n- a\n- b\n\n## End"
    assert list(markdown_blocks(body)) == [
        "# Title\n\nFirst para\nline two.",
        "```\ncode\n\nmore code\n```",
        "- a\n- b",
        "## End",
    ]


def test_long_paragraphs_split_at_sentence_ends() -> None:
    text = "One two three. Four five six! Seven “eight.” Nine ten?"
    assert split_sentences(text, 20) == [
        "One two three.",
        "Four five six!",
        "Seven “eight.”",
        "Nine ten?",
    ]
    assert split_sentences(text, 35) == [
        "One two three. Four five six!",
        "Seven “eight.” Nine ten?",
    ]
    assert split_sentences(text, 200) == [text]


def test_a_single_overlong_sentence_is_not_cut() -> None:
    sentence = "word " * 50 + "end."
    assert split_sentences(sentence, 20) == [sentence]


def test_markdown_passages_are_numbered_with_plain_text() -> None:
    passages = markdown_passages("A *b* [c](https://x.org).\n\nSecond. Third.", max_chars=8)
    assert [(p.number, p.text, p.markdown) for p in passages] == [
        (1, "A b c.", "A *b* [c](https://x.org)."),
        (2, "Second.", "Second."),
        (3, "Third.", "Third."),
    ]


def test_text_passages_split_on_blank_lines() -> None:
    assert [p.text for p in text_passages("a\nb\n\n\n  c  \n", 100)] == ["a\nb", "c"]


def test_an_impossible_yaml_date_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    root = write_corpus(
        tmp_path / "c",
        {
            "bad.md": "---\ntitle: T\nsource: S\ndate: 2020-02-30\n---\nx\n",
            "good.md": "---\ntitle: T\nsource: S\n---\nfine\n",
        },
    )
    corpus = load_corpus(root)
    assert [d.doc_id for d in corpus.documents] == ["good"]
    assert [p.path for p in corpus.problems] == ["bad.md"]
    assert corpus.problems[0].reason.startswith("metadata has an impossible value")


def test_long_lists_split_between_items_and_keep_their_markup() -> None:
    items = "\n".join(f"- item number {n} with some words" for n in range(1, 9))
    passages = markdown_passages(items, max_chars=100)
    assert [p.markdown.count("\n") + 1 for p in passages] == [3, 3, 2]
    assert all(p.markdown.startswith("- item") for p in passages)
    assert passages[1].text.startswith("item number 4")


def test_tables_and_code_are_never_cut() -> None:
    table = "| a | b |\n|---|---|\n" + "\n".join(f"| {n} | long cell text |" for n in range(30))
    assert [p.markdown for p in markdown_passages(table, max_chars=50)] == [table]


@pytest.mark.parametrize("value", ["9188-07-19", "1367-05-06", "0988"])
def test_dates_outside_plausible_years_are_refused(value: str) -> None:
    with pytest.raises(DocumentError, match="is it a typo, or a Solar Hijri date"):
        parse_date(value)


def test_the_reused_markdown_converter_forgets_each_document() -> None:
    # one converter per thread renders every passage: a link reference, an abbreviation or a
    # footnote of one passage must not reach the next, and each renders as a fresh one would
    import markdown

    sources = [
        "See [the report][r].\n\n[r]: https://example.org/report",
        "See [the report][r].",
        "```\ncode *kept*\n```",
        "| a | b |\n|---|---|\n| 1 | 2 |",
        "Plain *emphasis* and <script>alert(1)</script> text.",
    ]
    fresh = [markdown.markdown(source, extensions=["tables", "fenced_code"]) for source in sources]
    rendered = [markdown_to_html(source) for source in sources]
    assert 'href="https://example.org/report"' in rendered[0]
    assert rendered[1] == "<p>See [the report][r].</p>"
    assert [markdown_to_html(source) for source in sources] == rendered
    assert "<pre><code>code *kept*" in rendered[2] and "<td>2</td>" in rendered[3]
    assert "<script>" in fresh[4] and "<script>" not in rendered[4]


def test_markdown_renders_alike_in_every_thread() -> None:
    from concurrent.futures import ThreadPoolExecutor

    sources = [f"Item **{n}**\n\n- one\n- [two](https://example.org/{n})" for n in range(200)]
    alone = [markdown_to_html(source) for source in sources]
    with ThreadPoolExecutor(4) as pool:
        assert list(pool.map(markdown_to_html, sources)) == alone


def test_a_heading_underlined_with_dashes_is_indexed_without_them() -> None:
    passages = markdown_passages("Overview\n--------\n\nSome text.\n\n- - -\n\nEnd.", 1200)
    assert [p.text for p in passages] == ["Overview", "Some text.", "End."]


def test_text_read_without_the_renderer_is_what_the_renderer_shows() -> None:
    from search_app.corpus.rendering import html_to_text, markdown_to_html, markdown_to_text

    rng = random.Random(1367)
    alphabet = "ab cd ef\n\n--- ==1.2)+:;,'\"()?  \t"
    for _ in range(3000):
        block = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 40))).strip()
        assert markdown_to_text(block) == html_to_text(markdown_to_html(block)), block
    pieces = ["ab", "cd", " ", "_", "__", "x_y", "\n", "1.", ")", "-", "é", "ش", "\u200c", "."]
    for _ in range(3000):  # underscores inside words and at their edges
        block = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 20))).strip()
        assert markdown_to_text(block) == html_to_text(markdown_to_html(block)), block
    pieces = ["ab", "x = 1", "==", "=", " ", "    ", "\t", "\n", "\n\n", "cd:", "-", "1."]
    for _ in range(3000):  # equals signs, underlined headings, indented lines
        block = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 20))).strip("\n")
        assert markdown_to_text(block) == html_to_text(markdown_to_html(block)), block
    pieces = [
        "ab",
        "a > b",
        ">",
        "#",
        "# ",
        "&",
        "&amp;",
        "&#1",
        "&copy",
        ";",
        "~",
        "~~~",
        "!",
        " ",
        "\n",
        "\r",
    ]
    for _ in range(3000):  # what is markup only at the start of a line, or in an entity
        block = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 20))).strip("\n")
        assert markdown_to_text(block) == html_to_text(markdown_to_html(block)), block


def test_the_renderer_is_skipped_only_where_it_would_change_nothing() -> None:
    from search_app.corpus.rendering import _MARKUP

    plain = [
        "x = 1 and y == 2!",
        "    indented code\n    kept as written",
        "snake_case_name",
        "a > b, C# & F#, ~1988",
    ]
    marked = ["Title\n=====", "Title\n-----", "> quoted", "## Heading", "~~~", "&amp", "&#1", "`a`"]
    assert [bool(_MARKUP.search(text)) for text in plain] == [False] * len(plain)
    assert [bool(_MARKUP.search(text)) for text in marked] == [True] * len(marked)


@pytest.mark.parametrize(
    "text",
    [
        "title: A\nsource: B\ndate: 2019-06-01\ntags: [x, y]\nnumber: 3\nempty:\n",
        "title: 'Quoted: yes'\nsource: \"B\"\ndate: 2020-02\nflag: true\nlist:\n  - 1988\n",
        "title: |\n  two\n  lines\nsource: >\n  folded\n  text\nurl: https://e.org/?a=1\n",
        "title: متن فارسی\nsource: عفو بین‌الملل\ndate: 1988\n",
        "title: Report\t\nsource: B\n",  # a tab libyaml takes and the checking loader refuses
        "title: A & B\nsource: 'C * D'\n",
    ],
)
def test_metadata_reads_the_same_through_either_yaml_loader(text: str) -> None:
    assert yaml.__with_libyaml__  # the installed PyYAML has it: the fast loader is tested
    try:
        expected = yaml.load(text, Loader=_MetadataLoader)
    except yaml.YAMLError:
        with pytest.raises(DocumentError, match="metadata is not valid YAML"):
            load_yaml(text)
    else:
        assert load_yaml(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("title: [unclosed\n", "metadata is not valid YAML (line 2): expected ',' or ']', but got"),
        ("date: 2020-02-30\n", "metadata has an impossible value: day is out of range for month"),
    ],
)
def test_bad_metadata_is_explained_the_same_through_either_yaml_loader(
    text: str, message: str
) -> None:
    with pytest.raises(DocumentError) as caught:
        load_yaml(text)
    assert str(caught.value).startswith(message)
