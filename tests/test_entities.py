"""The register of names: mentions at index time, facets, entity filters, entity pages, the CLI.

The people, places and organisations here are made up for the tests.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_app import create_app
from search_app.cli import main
from search_app.config import Settings
from search_app.engine.analysis import exact_word_list
from search_app.engine.indexing import build_index
from search_app.engine.mentioning import mention_finder, named_in
from search_app.engine.readers import SearchIndex
from search_app.engine.results import SearchRequest
from search_app.engine.searching import export, search
from search_app.names.mentions import Mention, MentionFinder
from search_app.names.register import REGISTER_FILE, Register, load_register, parse_register
from tests.conftest import write_corpus

REGISTER = """\
- name: Dara Nouri
  kind: person
  spellings: [Nouri, دارا نوری]
- name: Leila Karimi
  kind: person
  spellings: [Karimi]
- name: Tabriz
  kind: place
  spellings: [تبریز]
- name: Example Rights
  kind: organisation
- name: Example Rights Watch
  kind: organisation
- name: Nobody Here
  kind: person
"""

CORPUS = {
    REGISTER_FILE: REGISTER,
    "a.md": "---\ntitle: Meeting notes\nsource: Archive One\ndate: 2019-05-01\n---\n\n"
    "Dara Nouri met Leila Karimi in Tabriz.\n\n"
    "Nouri later wrote to Example Rights about the trial.\n\n"
    "The weather was mild that week.\n",
    "b.md": "---\ntitle: یادداشت\nsource: Archive Two\nlanguage: fa\ndate: 2021\n---\n\n"
    "دارا نوری در تبریز بود.\n",
    "c.md": "---\ntitle: A report\nsource: Archive One\n---\n\n"
    "Example Rights Watch published a report on the trial.\n\n"
    "See [Nouri's own site](https://example.org/nouri) for his account.\n",
    "d.md": "---\ntitle: Letters\nsource: Archive Two\ndate: 2019\n---\n\n"
    "Karimi and Nouri never met in the city.\n",
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    write_corpus(tmp_path / "corpus", CORPUS)
    build_index(tmp_path / "corpus", tmp_path / "index")
    return tmp_path


@pytest.fixture
def index(root: Path) -> SearchIndex:
    return SearchIndex(root / "index")


@pytest.fixture
def client(root: Path):
    app = create_app({"TESTING": True, "CORPUS_DIR": root / "corpus", "INDEX_DIR": root / "index"})
    return app.test_client()


def passages(index: SearchIndex, request: SearchRequest) -> list[str]:
    result = search(index, request, Settings(page_size=50, per_document=50))
    return sorted(f"{hit.doc_id}#{hit.passage}" for hit in result.hits)


# --- the register and its mentions ----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- name: X\n  kind: animal\n", "kind 'animal' is not one of: person, place"),
        ("- kind: person\n", "missing name"),
        ("- name: دارا\n  kind: person\n", "add id:"),
        ("- name: A B\n  kind: place\n- name: A-B\n  kind: place\n", "id 'a-b' is taken by A B"),
        ("- name: X\n  kind: place\n  colour: red\n", "unknown field 'colour'"),
        ("- name: X\n  kind: place\n  id: Not A Slug\n", "must be lower-case letters"),
        ("name: X\n", "the register is a YAML list"),
        ("- name: [unclosed\n", "not valid YAML"),
    ],
)
def test_a_bad_register_entry_is_a_problem_naming_it(text: str, problem: str) -> None:
    register, problems = parse_register(text)
    assert len(problems) == 1
    assert problem in problems[0].reason
    assert problems[0].path.startswith(REGISTER_FILE)


def test_an_entry_keeps_its_name_first_and_gets_an_id_from_it() -> None:
    register, problems = parse_register(
        "- name: Dāra Nouri\n  kind: person\n  spellings: [Nouri, Dāra Nouri]\n"
    )
    assert problems == []
    [entry] = register.entries
    assert (entry.slug, entry.spellings) == ("dara-nouri", ("Dāra Nouri", "Nouri"))


def finder(text: str) -> MentionFinder:
    register, problems = parse_register(text)
    assert problems == []
    return MentionFinder(register, exact_word_list)


def test_the_longest_spelling_wins_and_words_must_stand_in_order() -> None:
    names = finder(
        "- name: Example Rights\n  kind: organisation\n"
        "- name: Example Rights Watch\n  kind: organisation\n"
    )
    words = exact_word_list("Example Rights Watch and Example Rights; Rights Example.")
    assert names.find(words) == [
        Mention(0, 3, ("example-rights-watch",)),
        Mention(4, 6, ("example-rights",)),
    ]


def test_spellings_match_in_any_script() -> None:
    names = finder("- name: Dara Nouri\n  kind: person\n  spellings: [دارا نوري]\n")
    # the Arabic yeh of the register and the Persian yeh of the text fold alike
    assert names.entries_in(exact_word_list("دارا نوری آمد")) == ["dara-nouri"]
    # without name keys, another spelling is not a mention
    assert names.entries_in(exact_word_list("Dara Nuri")) == []


def test_one_spelling_of_two_entries_names_both() -> None:
    names = finder(
        "- name: Ali Nouri\n  kind: person\n  spellings: [Nouri]\n"
        "- name: Dara Nouri\n  kind: person\n  spellings: [Nouri]\n"
    )
    assert names.entries_in(exact_word_list("Nouri spoke.")) == ["ali-nouri", "dara-nouri"]


# --- the index: facets, filters, spread searches ---------------------------------------------


def test_facet_counts_equal_a_brute_force_count_of_the_matching_passages(
    index: SearchIndex, root: Path
) -> None:
    register = Register(parse_register(REGISTER)[0].entries)
    names = mention_finder(register)
    for q in ("trial", "Nouri", "met OR wrote OR published OR دارا", "city"):
        result = search(index, SearchRequest(q=q))
        every = export(index, SearchRequest(q=q), cap=1000)
        expected: Counter[str] = Counter()
        for hit in every.hits:
            expected.update(named_in(names, hit.text))
        counted = {
            facet.value: facet.count
            for kind in ("person", "place", "organisation", "event")
            for facet in result.facets.get(kind, [])
        }
        assert counted == dict(expected), q
        assert counted  # each query names someone


def test_facets_list_names_by_kind_most_named_first(index: SearchIndex) -> None:
    result = search(index, SearchRequest(q="Nouri OR Karimi OR تبریز"))
    people = [(f.value, f.label, f.count) for f in result.facets["person"]]
    assert people == [("dara-nouri", "Dara Nouri", 5), ("leila-karimi", "Leila Karimi", 2)]
    assert [(f.value, f.count) for f in result.facets["place"]] == [("tabriz", 2)]
    assert "event" not in result.facets


def test_an_entity_filter_needs_every_entity_and_highlights_its_spellings(
    index: SearchIndex,
) -> None:
    nouri = SearchRequest(q="", entities=("dara-nouri",))
    assert passages(index, nouri) == ["a#1", "a#2", "b#1", "c#2", "d#1"]
    both = SearchRequest(q="", entities=("dara-nouri", "leila-karimi"))
    assert passages(index, both) == ["a#1", "d#1"]
    assert passages(index, SearchRequest(q="city", entities=("dara-nouri",))) == ["d#1"]
    result = search(index, SearchRequest(q="", entities=("dara-nouri",), sort="oldest"))
    first = result.hits[0]
    assert (first.doc_id, first.passage) == ("d", 1)  # dated 2019: read as its first day
    assert first.highlight == "Karimi and <mark>Nouri</mark> never met in the city."


def test_an_unknown_entity_is_refused_with_a_message(index: SearchIndex) -> None:
    from search_app.engine.queries import QueryError

    with pytest.raises(QueryError, match="has no entry 'nobody-else'"):
        search(index, SearchRequest(q="", entities=("nobody-else",)))


def test_within_document_finds_words_spread_over_passages(index: SearchIndex) -> None:
    assert passages(index, SearchRequest(q="Karimi Rights")) == []
    result = search(index, SearchRequest(q="Karimi Rights", within="document"))
    assert (result.documents, result.pages) == (1, 1)
    shown = [(h.doc_id, h.passage, h.first_of_document) for h in result.hits]
    assert shown == [("a", 1, True), ("a", 2, False)]  # the best passage for each word
    assert result.total == 2  # the passages of qualifying documents that match a word
    spread = SearchRequest(q="trial", entities=("leila-karimi",), within="document")
    assert passages(index, spread) == ["a#1", "a#2"]
    excluded = SearchRequest(q="Nouri -weather", within="document")
    # b writes Nouri as نوری, which a search for Nouri also finds (issue 15)
    assert sorted({h.doc_id for h in search(index, excluded).hits}) == ["b", "c", "d"]


def test_a_changed_register_rebuilds_the_index_and_counts_the_new_entry(root: Path) -> None:
    corpus, index_dir = root / "corpus", root / "index"
    (corpus / REGISTER_FILE).write_text(
        REGISTER + "- name: The Trial\n  kind: event\n  spellings: [trial]\n", encoding="utf-8"
    )
    report = build_index(corpus, index_dir)
    assert report.full
    assert "register of names changed" in (report.reason or "")
    found = search(SearchIndex(index_dir), SearchRequest(q="", entities=("the-trial",)))
    assert found.total == 2
    assert not build_index(corpus, index_dir).wrote  # unchanged: nothing to write


# --- pages, JSON and the CLI -----------------------------------------------------------------


def test_the_entity_page_counts_spellings_sources_years_and_co_mentions(client) -> None:
    data = client.get("/api/entity/dara-nouri").get_json()
    assert data["name"] == "Dara Nouri"
    assert (data["passages"], data["documents"], data["undated"]) == (5, 4, 1)
    assert data["spellings_found"] == [
        {"spelling": "Nouri", "passages": 4},
        {"spelling": "Dara Nouri", "passages": 1},
        {"spelling": "دارا نوری", "passages": 1},
        {"spelling": "نوری", "passages": 1},  # found by its name key, not listed
    ]
    assert data["by_source"] == [
        {"source": "Archive One", "passages": 3},
        {"source": "Archive Two", "passages": 2},
    ]
    assert data["by_year"] == [{"year": 2019, "passages": 3}, {"year": 2021, "passages": 1}]
    assert [(c["id"], c["passages"]) for c in data["co_mentions"]] == [
        ("leila-karimi", 2),
        ("tabriz", 2),
        ("example-rights", 1),
    ]
    page = client.get("/entity/dara-nouri").get_data(as_text=True)
    assert '<svg class="chart"' in page
    assert '<td>2019 <span class="solar">(1397–1398 SH)</span></td><td>3</td>' in page
    assert 'href="/search?entity=dara-nouri&amp;entity=leila-karimi"' in page
    assert client.get("/entity/nobody").status_code == 404
    assert client.get("/api/entity/nobody").status_code == 404


def test_results_offer_name_facets_that_add_and_remove_filters(client) -> None:
    page = client.get("/search?q=Nouri").get_data(as_text=True)
    assert '<a href="/search?q=Nouri&amp;entity=leila-karimi"' in page
    filtered = client.get("/search?q=Nouri&entity=leila-karimi").get_data(as_text=True)
    assert 'aria-label="Remove filter name: Leila Karimi"' in filtered
    assert 'href="/search?q=Nouri"' in filtered  # the selected value removes itself
    data = client.get("/api/search?q=Nouri").get_json()
    # 4 passages write Nouri, one more نوری, which a search for Nouri also finds (issue 15)
    assert data["facets"]["person"][0] == {"value": "dara-nouri", "count": 5, "label": "Dara Nouri"}
    assert data["facets"]["source"][0] == {"value": "Archive One", "count": 3}


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/search?entity=tabriz&entity=dara-nouri", "/search?entity=dara-nouri&entity=tabriz"),
        ("/search?entity=tabriz&entity=tabriz", "/search?entity=tabriz"),
        ("/search?q=x&within=passage", "/search?q=x"),
        ("/search?within=document&q=x", "/search?q=x&within=document"),
    ],
)
def test_entity_and_within_parameters_are_canonical(client, url: str, location: str) -> None:
    response = client.get(url)
    assert (response.status_code, response.headers["Location"]) == (302, location)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/search?entity=Bad%20Id", "entity must be the id of a name"),
        ("/search?entity=nobody-else", "has no entry"),
        ("/search?q=x&within=page", "within must be one of passage, document"),
        ("/search?q=x&within=document&format=csv", "Downloads list passages"),
    ],
)
def test_bad_entity_parameters_are_a_400_saying_what_to_change(client, url, message) -> None:
    response = client.get(url)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_names_in_a_document_link_to_their_pages_but_never_inside_a_link(client) -> None:
    page = client.get("/doc/a").get_data(as_text=True)
    assert '<a class="name" href="/entity/dara-nouri">Dara Nouri</a> met ' in page
    assert '<a class="name" href="/entity/example-rights">Example Rights</a>' in page
    marked = client.get("/doc/a?q=Nouri").get_data(as_text=True)
    assert '<a class="name" href="/entity/dara-nouri">Dara <mark>Nouri</mark></a>' in marked
    cited = client.get("/doc/c").get_data(as_text=True)
    link = '<a href="https://example.org/nouri" rel="noopener noreferrer nofollow">'
    assert link + "Nouri's own site</a>" in cited  # no name link inside the link


def test_the_list_of_names_and_a_name_with_markup_are_escaped(root: Path) -> None:
    corpus = root / "corpus"
    (corpus / REGISTER_FILE).write_text(
        REGISTER + '- name: "<script>x</script> Nouri"\n  id: scripted\n  kind: person\n',
        encoding="utf-8",
    )
    build_index(corpus, root / "index")
    app = create_app({"TESTING": True, "CORPUS_DIR": corpus, "INDEX_DIR": root / "index"})
    page = app.test_client().get("/entities").get_data(as_text=True)
    assert "<script>x" not in page
    assert "&lt;script&gt;x&lt;/script&gt; Nouri" in page
    assert '<a href="/entity/dara-nouri"><bdi>Dara Nouri</bdi></a>' in page


def test_cli_lists_the_register_with_counts(root: Path) -> None:
    args = ["--corpus", str(root / "corpus"), "--index", str(root / "index")]
    done = CliRunner().invoke(main, ["entities", *args])
    assert done.exit_code == 0
    assert done.output.splitlines()[:2] == [
        "person             5  Dara Nouri (dara-nouri)",
        "person             2  Leila Karimi (leila-karimi)",
    ]
    rows = json.loads(CliRunner().invoke(main, ["entities", "--json", *args]).output)
    assert rows[-1] == {"id": "nobody-here", "name": "Nobody Here", "kind": "person", "passages": 0}


def test_check_warns_about_entries_nothing_names(root: Path) -> None:
    done = CliRunner().invoke(main, ["check", "--corpus", str(root / "corpus")])
    assert done.exit_code == 0  # a warning, not a problem
    assert (
        f"warning: {REGISTER_FILE}: Nobody Here (nobody-here) is named in no document: "
        "check its spellings, or remove it"
    ) in done.output


def test_a_register_that_links_out_of_the_corpus_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yml"
    outside.write_text(REGISTER, encoding="utf-8")
    corpus = write_corpus(tmp_path / "corpus", {"a.md": CORPUS["a.md"]})
    (corpus / REGISTER_FILE).symlink_to(outside)
    register, problems = load_register(corpus)
    assert register.entries == []
    assert [p.path for p in problems] == [REGISTER_FILE]
    assert "a link out of the corpus: not read" in problems[0].reason


def test_name_keys_find_spellings_the_register_does_not_list() -> None:
    names = mention_finder(
        parse_register(
            "- name: Ruhollah Khomeini\n  kind: person\n  spellings: [Khomeini]\n"
            "- name: Tabriz\n  kind: place\n"
            "- name: Dara Nouri\n  kind: person\n"
        )[0]
    )
    assert named_in(names, "Khomeyni issued a decree.") == ["ruhollah-khomeini"]
    assert named_in(names, "خمینی فتوا داد.") == ["ruhollah-khomeini"]
    assert named_in(names, "دارا نوری آمد.") == ["dara-nouri"]
    assert named_in(names, "Dara Noori wrote.") == ["dara-nouri"]
    # derived names stay apart; lower-case words and acronyms match only as written
    assert named_in(names, "Tabrizi and Khomeinishahr, khomeyni, KHOMEYNI.") == []
    assert named_in(names, "in Tabriz") == ["tabriz"]
