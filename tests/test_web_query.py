"""The query language through the page and the API: variants, exact, suggestions, facets, sort,
export, citations and browser integration."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

import pytest
from flask import url_for

from search_app import create_app
from search_app.engine.indexing import build_index
from search_app.engine.results import SearchRequest
from search_app.web.links import (
    entity_href,
    entity_link,
    facet_link,
    passage_link,
    search_url,
)
from search_app.web.params import canonical_args
from tests.conftest import write_corpus
from tests.test_queries import CORPUS


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("webquery")
    files = {
        **CORPUS,
        "d.md": "---\ntitle: Formula\nsource: '=HYPERLINK(\"http://x\")'\n---\n"
        "+cmd a commission of formulas\n",
    }
    write_corpus(root / "corpus", files)
    build_index(root / "corpus", root / "index")
    app = create_app({"CORPUS_DIR": root / "corpus", "INDEX_DIR": root / "index"})
    return app.test_client()


def html(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def results(page: str) -> list[str]:
    return re.findall(r'<a href="/doc/([^"?]+)[^"]*#p-(\d+)">Open passage', page)


def test_page_says_which_variants_were_searched_and_offers_exact(client) -> None:
    page = html(client, "/search?q=Raeisi")
    assert "Also searched for other spellings of <strong>Raeisi</strong>: Raisi, رئیسی." in page
    assert '<a href="/search?q=Raeisi&amp;exact=1">Search exact words only</a>' in page
    assert sorted(results(page)) == [("a", "2"), ("b", "1")]
    assert "Ebrahim <mark>Raisi</mark> sat" in page


def test_exact_switch_is_visible_and_kept_in_links(client) -> None:
    plain = html(client, "/search?q=Raisi")
    assert '<input type="checkbox" name="exact" value="1">' in plain
    page = html(client, "/search?q=Raisi&exact=1")
    assert '<input type="checkbox" name="exact" value="1" checked>' in page
    assert "Also searched" not in page
    assert results(page) == [("a", "2")]
    assert 'href="/doc/a?q=Raisi&amp;exact=1#p-2"' in page
    doc = html(client, "/doc/a?q=Raisi&exact=1")
    assert '<a href="/search?q=Raisi&amp;exact=1">back to results</a>' in doc


def test_did_you_mean_is_a_link(client) -> None:
    page = html(client, "/search?q=Khomieni")
    assert '<a href="/search?q=Khomeini"><strong>Khomeini</strong></a>?' in page
    assert client.get("/api/search?q=Khomieni").get_json()["suggestion"] == "Khomeini"


def test_any_word_results_are_one_click_away(client) -> None:
    page = html(client, "/search?q=Paris+Tehran")
    assert "No passage has all of these words." in page
    link = re.search(r'<a href="([^"]+)">Show the 2 passages with any of them</a>', page)
    assert link.group(1) == "/search?q=Paris+OR+Tehran"
    assert sorted(results(html(client, link.group(1)))) == [("a", "2"), ("b", "3")]


def test_facet_values_link_to_add_and_remove_filters(client) -> None:
    page = html(client, "/search?q=commission")
    assert '<a href="/search?q=commission&amp;source=Gamma+Group"' in page
    assert '<a href="/search?q=commission&amp;from=2018&amp;to=2018"' in page
    filtered = html(client, "/search?q=commission&from=2018&to=2018")
    assert results(filtered) and all(doc == "a" for doc, _ in results(filtered))
    assert (
        '<a href="/search?q=commission"\naria-current="true" class="selected"><bdi>2018</bdi> '
        '<span class="solar">(1396–1397)</span></a>' in filtered
    )


def test_sort_links_and_order(client) -> None:
    page = html(client, "/search?q=commission+OR+Paris")
    assert '<a href="/search?q=commission+OR+Paris&amp;sort=newest">newest</a>' in page
    newest = html(client, "/search?q=commission+OR+Paris&sort=newest")
    assert '<strong aria-current="true">newest</strong>' in newest
    order = [doc for doc, _ in results(newest)]
    assert order.index("b") < order.index("a") < order.index("c")
    data = client.get("/api/search?q=commission+OR+Paris&sort=oldest").get_json()
    firsts = list(dict.fromkeys(r["doc_id"] for r in data["results"]))
    assert firsts[:2] == ["a", "b"] and set(firsts[2:]) == {"c", "d"}  # undated last
    assert data["results"][0]["score"] is None  # no relevance score when sorted by date


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/search?q=x&sort=relevance", "/search?q=x"),
        ("/search?exact=0&q=x", "/search?q=x"),
        ("/search?sort=newest&q=x&exact=1", "/search?q=x&sort=newest&exact=1"),
        ("/search?to=2000&from=1990&q=x", "/search?q=x&from=1990&to=2000"),
        ("/search?q=x&from=%DB%B1%DB%B3%DB%B6%DB%B7", "/search?q=x&from=1367"),  # ۱۳۶۷
    ],
)
def test_canonical_order_of_new_parameters(client, url: str, location: str) -> None:
    response = client.get(url)
    assert (response.status_code, response.headers["Location"]) == (302, location)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/search?q=x&sort=random", "sort must be one of relevance, newest, oldest, not &#39;ra"),
        ("/search?q=x&exact=yes", "exact must be 1 (on) or 0 (off), not &#39;yes&#39;."),
        ("/search?q=x&format=pdf", "format must be one of csv, json, ris, csl, not &#39;pdf&#39;."),
        ("/search?format=csv", "Give the query as q=… to download its passages."),
        ("/search?q=x&page=%C2%B2", "page must be a number from 1 to 1000"),
        ("/search?q=x&from=13x7", "from must be a year such as 1988 or (Solar Hijri) 1367"),
        ("/search?q=commission~5", "commission~5 is too fuzzy"),
        ("/search?q=url:x", None),  # a plain word, not a field: searched, no error
    ],
)  # fmt: skip
def test_bad_parameters_are_400_with_a_message(client, url: str, message: str | None) -> None:
    response = client.get(url)
    if message is None:
        assert response.status_code == 200
    else:
        assert response.status_code == 400
        assert message in response.get_data(as_text=True)


def test_export_csv_has_every_passage_with_sources_and_links(client) -> None:
    response = client.get("/search?q=commission&format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="passages-commission.csv"'
    )
    assert response.headers["X-Total-Count"] == "5"
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeffrank,source,title,")  # the BOM: spreadsheets read UTF-8
    rows = list(csv.DictReader(io.StringIO(body.removeprefix("\ufeff"))))
    assert len(rows) == 5  # not collapsed: every matching passage
    first = next(r for r in rows if r["doc_id"] == "a" and r["passage"] == "2")
    assert first["source"] == "Alpha Watch" and first["date"] == "2018-12-04"
    assert first["title"] == "Commission report"
    assert first["link"] == "http://localhost/doc/a#p-2"  # no search words: they may be a name
    assert first["text"] == "Ebrahim Raisi sat on the commission in Tehran."
    formula = next(r for r in rows if r["doc_id"] == "d")
    assert formula["source"] == '\'=HYPERLINK("http://x")'  # neutralised for spreadsheets
    assert formula["text"] == "'+cmd a commission of formulas"


def test_export_json_states_the_cap(client) -> None:
    response = client.get("/search?q=commission&source=Alpha+Watch&format=json")
    data = json.loads(response.get_data(as_text=True))
    assert (data["total"], data["exported"], data["cap"]) == (3, 3, 5000)
    assert data["results"][0]["citation"].startswith("Alpha Watch, “Commission report”, 2018-12-04")
    assert data["results"][0]["link"].startswith("http://localhost/doc/a#p-")


def test_export_cap_is_enforced(tmp_path: Path) -> None:
    write_corpus(tmp_path / "c", CORPUS)
    build_index(tmp_path / "c", tmp_path / "i")
    app = create_app({"INDEX_DIR": tmp_path / "i", "EXPORT_CAP": 2})
    data = json.loads(app.test_client().get("/search?q=commission&format=json").data)
    assert (data["total"], data["exported"], data["cap"]) == (4, 2, 2)


def test_each_result_offers_a_citation(client) -> None:
    page = html(client, "/search?q=Tehran")
    assert (
        '<p class="citation">Alpha Watch, “Commission report”, 2018-12-04, passage 2: '
        "“Ebrahim Raisi sat on the commission in Tehran.” http://localhost/doc/a#p-2</p>"
    ) in page


def test_opensearch_description_and_link_on_every_page(client) -> None:
    for url in ("/", "/search?q=commission", "/doc/a", "/doc/missing"):
        page = client.get(url).get_data(as_text=True)
        assert '<link rel="search" type="application/opensearchdescription+xml"' in page
    response = client.get("/opensearch.xml")
    assert response.mimetype == "application/opensearchdescription+xml"
    xml = response.get_data(as_text=True)
    assert 'template="http://localhost/search?q={searchTerms}"' in xml
    assert 'type="application/x-suggestions+json"' in xml
    assert 'template="http://localhost/api/suggest?q={searchTerms}"' in xml


def test_suggest_api_uses_the_opensearch_format(client) -> None:
    response = client.get("/api/suggest?q=death+comm")
    assert response.mimetype == "application/x-suggestions+json"
    assert response.get_json() == ["death comm", ["death commission", "death commissions"]]
    assert client.get("/api/suggest?q=").get_json() == ["", []]


def test_api_search_takes_every_page_parameter(client) -> None:
    data = client.get("/api/search?q=Raisi&exact=1").get_json()
    assert [r["doc_id"] for r in data["results"]] == ["a"]
    assert data["results"][0]["link"] == "http://localhost/doc/a?q=Raisi&exact=1#p-2"
    data = client.get("/api/search?q=Raisi").get_json()
    assert data["variants"] == [{"word": "Raisi", "also": ["Raeisi", "رئیسی"]}]
    data = client.get("/api/search?q=commission&source_type=statement").get_json()
    assert [r["doc_id"] for r in data["results"]] == ["c"]
    assert data["facets"]["source_type"] == [{"value": "statement", "count": 1}]


def test_document_link_with_an_unsearchable_query_still_opens(client) -> None:
    page = html(client, "/doc/a?q=the")
    assert "The document is shown without highlights." in page
    assert 'id="p-1"' in page
    assert client.get("/api/doc/a?q=the").status_code == 400


@pytest.mark.parametrize(
    "request_args",
    [
        {"q": "x"},
        {"q": "a b", "source": "Amnesty International", "sort": "newest", "page": 3},
        {"q": "اعدام", "from": 1367, "to": 1367, "exact": 1, "doc": "fa/x", "language": "fa"},
        {"q": "&=+#%", "source_type": "ngo-report", "from": 1988},
    ],
)
@pytest.mark.parametrize("name", ["source", "source_type", "language", "year"])
def test_facet_links_are_the_canonical_links(app, request_args, name) -> None:
    req = SearchRequest(
        q=request_args["q"], page=request_args.get("page", 1), source=request_args.get("source"),
        source_type=request_args.get("source_type"), language=request_args.get("language"),
        year_from=request_args.get("from"), year_to=request_args.get("to"),
        doc=request_args.get("doc"), sort=request_args.get("sort", "relevance"),
        exact=bool(request_args.get("exact")),
    )  # fmt: skip
    names = ("from", "to") if name == "year" else (name,)
    with app.test_request_context("/"):
        link = facet_link(req, name)
        for value in ("Reuters", "1988", "عدالت برای قربانیان", "a&b=c d/é?#"):
            for selected in (False, True):
                changes = dict.fromkeys(names, None if selected else value)
                expected = url_for(
                    "search.search_page", **canonical_args(req, page=None, **changes)
                )
                assert link(value, selected) == expected


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "commission OR Paris", "sort": "newest"},
        {"q": 'Ra\'isi "death commission" a/b:c?d&e=f#g+h %', "source": "Amnesty International"},
        {"q": "اعدام ۱۳۶۷", "from": 1367, "to": 1367, "page": 2, "exact": 1},
        {"q": "x", "doc": "fa/article", "format": "csv"},
    ],
)
def test_result_links_are_encoded_as_url_for_encodes_them(app, params) -> None:
    with app.test_request_context("/"):
        assert search_url(params) == url_for("search.search_page", **params)


@pytest.mark.parametrize("external", [False, True])
def test_passage_links_are_encoded_as_url_for_encodes_them(app, external: bool) -> None:
    from search_app.engine.documents import part_of

    doc_ids = ["amnesty-2018", "fa/article", "a b/é ü?#%&=+;x", "عدالت/گزارش", "x%00y"]
    queries = [None, "", "commission", 'Ra\'isi "a/b" & c=d #e +f %', "اعدام ۱۳۶۷"]
    with app.test_request_context("/"):
        for doc_id in doc_ids:
            for q in queries:
                for number in (0, 7, 199, 200, 4321):
                    for exact in (False, True):
                        part = part_of(number)
                        expected = url_for(
                            "search.document",
                            doc_id=doc_id,
                            q=q or None,
                            exact=1 if exact and q else None,
                            part=part if part > 1 else None,
                            _anchor=f"p-{number}",
                            _external=external,
                        )
                        assert passage_link(doc_id, number, q, exact, external) == expected


def test_links_start_where_each_request_is_mounted(app) -> None:
    links = set()
    with app.app_context():  # requests that share an application context
        for root in ("/one", "/two", "/a%20b/%C3%A9"):
            with app.test_request_context("/", base_url=f"http://localhost{root}/"):
                for link, expected in [
                    (passage_link("d", 1, "q"), url_for("search.document", doc_id="d", q="q",
                                                        _anchor="p-1")),
                    (search_url({"q": "x"}), url_for("search.search_page", q="x")),
                    (entity_href("e"), url_for("search.entity_page_view", slug="e")),
                ]:  # fmt: skip
                    assert link == expected
                    links.add(link)
    assert len(links) == 9  # each request's own


@pytest.mark.parametrize(
    "req",
    [
        SearchRequest(q="x"),
        SearchRequest(q="", entities=("ebrahim-raisi",)),
        SearchRequest(q="a b", entities=("a", "z"), within="document", sort="oldest", page=2),
        SearchRequest(q="&=+#%", source="Amnesty International", entities=("m",), exact=True),
    ],
)
def test_entity_links_are_the_canonical_links(app, req: SearchRequest) -> None:
    with app.test_request_context("/"):
        link = entity_link(req)
        for slug in ("b", "ebrahim-raisi", "z"):
            selected = slug in req.entities
            chosen = sorted(set(req.entities) ^ {slug})
            expected = url_for(
                "search.search_page", **canonical_args(req, page=None, entity=chosen)
            )
            assert link(slug, selected) == expected
        assert entity_href("pmoi-mek") == url_for("search.entity_page_view", slug="pmoi-mek")
