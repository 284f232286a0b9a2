from pathlib import Path

import pytest

from search_app.config import Settings
from search_app.engine.documents import get_document, overview
from search_app.engine.facets import FacetValue
from search_app.engine.highlighting import Highlighter
from search_app.engine.indexing import build_index
from search_app.engine.queries import QueryError, parse
from search_app.engine.results import SearchRequest
from search_app.engine.searching import SearchIndex, search
from tests.conftest import write_corpus


def ids(index: SearchIndex, q: str, **kwargs) -> list[str]:
    return [f"{h.doc_id}#{h.passage}" for h in search(index, SearchRequest(q=q, **kwargs)).hits]


def test_all_words_must_match(search_index: SearchIndex) -> None:
    assert ids(search_index, "bodies buried") == ["reports/commission#2"]
    assert ids(search_index, "bodies court") == []
    assert ids(search_index, "bodies OR court") == ["reports/commission#2", "news/graves#1"]


def test_stems_match_and_on_topic_documents_rank_first(search_index: SearchIndex) -> None:
    # both passages have both words; "The Death Commission in Tehran" is about them
    result = search(search_index, SearchRequest(q="death commission"))
    assert [f"{h.doc_id}#{h.passage}" for h in result.hits] == [
        "reports/commission#1",
        "notes/plain#1",
    ]
    assert result.hits[0].score >= result.hits[1].score > 0


def test_highlight_marks_query_terms_and_escapes_the_rest(search_index: SearchIndex) -> None:
    [hit] = search(search_index, SearchRequest(q="families buried")).hits
    assert hit.highlight == (
        "<mark>Families</mark> were never told where the bodies were <mark>buried</mark>."
    )
    [hit] = search(search_index, SearchRequest(q="alert")).hits
    assert hit.highlight == (
        "It has two paragraphs and a &lt;script&gt;<mark>alert</mark>('txt')&lt;/script&gt; tag."
    )


def test_result_carries_the_source_label(search_index: SearchIndex) -> None:
    [hit] = search(search_index, SearchRequest(q="families")).hits
    assert (hit.source, hit.title, hit.date, hit.source_type, hit.url, hit.page) == (
        "Test Rights Watch",
        "The Death Commission in Tehran",
        "2019-06-01",
        "ngo-report",
        "https://example.org/report",
        None,
    )


def test_query_inside_a_script_tag_is_not_indexed(search_index: SearchIndex) -> None:
    # the Markdown document's <script> is removed before indexing; the text file's is kept as text
    assert ids(search_index, "alert") == ["notes/plain#2"]


@pytest.fixture
def many(tmp_path: Path) -> SearchIndex:
    files = {
        "big.md": "---\ntitle: Big\nsource: One\n---\n"
        + "\n\n".join(f"apple number {n} in big" for n in range(1, 6)),
        **{
            f"small{n}.md": f"---\ntitle: Small {n}\nsource: Two\ndate: '199{n}'\n---\napple {n}\n"
            for n in range(1, 5)
        },
    }
    write_corpus(tmp_path / "c", files)
    build_index(tmp_path / "c", tmp_path / "i")
    return SearchIndex(tmp_path / "i")


def test_at_most_three_passages_per_document_with_a_count_of_the_rest(many: SearchIndex) -> None:
    result = search(many, SearchRequest(q="apple"), Settings(page_size=20))
    assert (result.total, result.documents, result.pages) == (9, 5, 1)
    big = [h for h in result.hits if h.doc_id == "big"]
    assert len(big) == 3 and len(result.hits) == 7
    assert [h.matches_in_document for h in big] == [5, 5, 5]
    assert [h.first_of_document for h in big] == [True, False, False]


def test_the_doc_filter_lists_every_passage_of_one_document(many: SearchIndex) -> None:
    result = search(many, SearchRequest(q="apple", doc="big"), Settings(page_size=20))
    assert sorted(h.passage for h in result.hits) == [1, 2, 3, 4, 5]


def test_pages_split_the_collapsed_list(many: SearchIndex) -> None:
    limits = Settings(page_size=3)
    pages = [search(many, SearchRequest(q="apple", page=n), limits) for n in (1, 2, 3)]
    assert [p.pages for p in pages] == [3, 3, 3]
    assert [len(p.hits) for p in pages] == [3, 3, 1]
    listed = [f"{h.doc_id}#{h.passage}" for p in pages for h in p.hits]
    assert len(set(listed)) == 7  # no passage on two pages
    assert search(many, SearchRequest(q="apple", page=4), limits).hits == []


def test_the_same_request_gives_the_same_page(many: SearchIndex) -> None:
    first = search(many, SearchRequest(q="apple", page=2), Settings(page_size=3))
    again = search(many, SearchRequest(q="apple", page=2), Settings(page_size=3))
    assert first == again


def test_filters_and_facets(many: SearchIndex) -> None:
    result = search(many, SearchRequest(q="apple"))
    assert result.facets["source"] == [FacetValue("One", 5), FacetValue("Two", 4)]
    assert result.facets["language"] == [FacetValue("en", 9)]
    filtered = ids(many, "apple", source="Two", year_from=1992, year_to=1993)
    assert sorted(filtered) == ["small2#1", "small3#1"]
    assert ids(many, "apple", source="Nobody") == []


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("", "Type one or more words"),
        ("   ", "Type one or more words"),
        ("x" * 501, "The query is 501 characters long; the limit is 500."),
        ("(" * 30 + "a" + ")" * 30, "nests parentheses 30 deep; the limit is 20"),
        ("*ple", r"Words cannot start with a wildcard \(\*ple\)"),
        ("?pple", r"Words cannot start with a wildcard"),
        ("the and of", "no words that can be searched"),
    ],
)
def test_queries_that_cannot_be_searched(q: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        parse(q)


@pytest.mark.parametrize(
    "q", ['"unclosed phrase', "a AND", "OR OR", "title:", "(((a", "a)))", "🙂 ∑"]
)
def test_odd_queries_are_searched_not_errors(search_index: SearchIndex, q: str) -> None:
    try:
        search(search_index, SearchRequest(q=q))
    except QueryError:
        pass  # a clear refusal is fine too; anything else fails the test


def test_document_view_marks_terms_inside_rendered_markdown(search_index: SearchIndex) -> None:
    doc = get_document(search_index, "reports/commission", "commission")
    assert doc.matched == [1, 3]
    assert doc.passages[0].html == (
        "<h1>Findings</h1>\n<p>The death <mark>commission</mark> questioned "
        "prisoners for minutes before sentencing them.</p>"
    )
    assert "<mark" not in doc.passages[1].html


def test_document_view_sanitizes_markdown(search_index: SearchIndex) -> None:
    doc = get_document(search_index, "hostile")
    html = doc.passages[0].html
    assert "<script" not in html and "alert('body')" not in html
    assert "javascript:" not in html
    assert (
        '<a href="https://example.org/good" rel="noopener noreferrer nofollow">good link</a>'
        in html
    )
    assert doc.title == "<script>alert('title')</script> Hostile title"  # escaped by the template


def test_unknown_document_is_none(search_index: SearchIndex) -> None:
    assert get_document(search_index, "nope") is None


def test_overview_counts_documents_passages_and_sources(search_index: SearchIndex) -> None:
    summary = overview(search_index)
    assert (summary.documents, summary.passages) == (4, 8)
    assert [s.value for s in summary.sources] == [
        "<b>Bold</b> source", "Example Daily", "Field notes", "Test Rights Watch",
    ]  # fmt: skip
    assert [d.doc_id for d in summary.listing][:2] == ["news/graves", "reports/commission"]


def test_highlighter_without_terms_only_escapes() -> None:
    assert Highlighter().mark("<b>&") == "&lt;b&gt;&amp;"


def test_page_count_follows_the_collapsed_list(tmp_path: Path) -> None:
    # review finding: 39 passages of one document made 25 pages, most of them empty
    files = {
        "big.md": "---\ntitle: Big\nsource: S\n---\n"
        + "\n\n".join(f"apple {n}" for n in range(39)),
        **{f"s{n}.md": f"---\ntitle: S{n}\nsource: S\n---\napple\n" for n in range(11)},
    }
    write_corpus(tmp_path / "c", files)
    build_index(tmp_path / "c", tmp_path / "i")
    index = SearchIndex(tmp_path / "i")
    limits = Settings(page_size=2)
    first = search(index, SearchRequest(q="apple"), limits)
    assert (first.total, first.documents, first.pages) == (50, 12, 7)  # 3 + 11 listed
    assert len(search(index, SearchRequest(q="apple", page=7), limits).hits) == 2
    assert search(index, SearchRequest(q="apple", page=8), limits).hits == []


def test_a_search_that_runs_out_of_time_returns_what_it_found_marked_partial(
    many: SearchIndex,
) -> None:
    # words are matched on whole posting lists at once; phrases, by Whoosh, within the time limit
    result = search(many, SearchRequest(q='apple "apple number"'), Settings(search_seconds=1e-9))
    assert result.partial is True
    assert result.total < 5
    complete = search(many, SearchRequest(q='apple "apple number"'))
    assert complete.partial is False and complete.total == 5


def test_result_pages_are_cached_until_the_index_changes(corpus_dir: Path, index_dir: Path) -> None:
    index = SearchIndex(index_dir)
    first = search(index, SearchRequest(q="families"))
    assert search(index, SearchRequest(q="families")) is first
    assert search(index, SearchRequest(q="families", page=1, exact=True)) is not first
    (corpus_dir / "more.md").write_text("---\ntitle: M\nsource: S\n---\nMore families.\n")
    build_index(corpus_dir, index_dir)
    again = search(index, SearchRequest(q="families"))
    assert again is not first and again.total == 2
