import json
import re
from urllib.parse import parse_qsl, urlsplit

import pytest

OUR_SCRIPT = '<script src="/static/app.js" defer>'


def only_our_script(html: str) -> bool:
    """Tell whether the page's only script element is our own, self-hosted one."""
    return re.findall(r"<script[^>]*>", html, re.IGNORECASE) == [OUR_SCRIPT]


RESULT_LINK = re.compile(r'<a href="(/doc/[^"]+)">Open passage')


def test_home_shows_form_overview_and_examples(client) -> None:
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<form class="search" role="search" action="/search" method="get">' in html
    assert "All words must match" in html
    assert "4 documents\n  (8 passages)" in html
    assert '<a href="/search?q=death+commission">death commission</a>' in html
    assert 'Test Rights Watch <span class="count">(1 document)</span>' in html
    assert '<a href="/doc/reports/commission"' in html


def test_search_page_shows_highlighted_passages_with_source_labels(client) -> None:
    page = client.get("/search?q=families+buried")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '1 passage in 1 document matches <strong dir="auto">families buried</strong>' in html
    assert (
        "<mark>Families</mark> were never told where the bodies were "
        "<mark>buried</mark>.</blockquote>"
    ) in html
    assert '<bdi class="source">Test Rights Watch</bdi>' in html
    assert '<bdi class="title" lang="en">The Death Commission in Tehran</bdi>' in html
    assert (
        '<time datetime="2019-06-01">2019-06-01</time> '
        '<span class="solar" title="Solar Hijri">(1398-03-11 SH)</span>'
    ) in html
    assert RESULT_LINK.findall(html) == ["/doc/reports/commission?q=families+buried#p-2"]


def test_passage_link_opens_the_document_at_that_passage_with_marks(client) -> None:
    html = client.get("/search?q=families").get_data(as_text=True)
    [link] = RESULT_LINK.findall(html)
    path, _, anchor = link.partition("#")
    doc = client.get(path)
    assert doc.status_code == 200
    body = doc.get_data(as_text=True)
    assert anchor == "p-2"
    passage = body[body.index(f'id="{anchor}"') :]
    passage = passage[: passage.index("</section>")]
    assert "<mark>Families</mark> were never told" in passage
    assert body.count('class="passage') == 3  # every passage has an id
    assert [f"p-{n}" for n in (1, 2, 3)] == re.findall(r'id="(p-\d+)"', body)


def test_empty_results_state(client) -> None:
    page = client.get("/search?q=zebra")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'No passage matches <strong dir="auto">zebra</strong>.' in html
    assert "Nothing matched. Try fewer words" in html


def test_result_pages_are_permalinks(client) -> None:
    first = client.get("/search?q=commission&page=1")
    assert first.status_code == 302
    assert first.headers["Location"] == "/search?q=commission"
    assert client.get("/search?q=commission").data == client.get("/search?q=commission").data


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("/search?page=1&q=commission", "/search?q=commission"),
        ("/search?q=commission&source=", "/search?q=commission"),
        ("/search?q=+commission+", "/search?q=commission"),
        ("/search?q=commission&utm_source=x", "/search?q=commission"),
        ("/search?source=Example+Daily&q=commission", "/search?q=commission&source=Example+Daily"),
        ("/search?q=", "/"),
        ("/search", "/"),
    ],
)
def test_non_canonical_urls_redirect(client, url: str, location: str) -> None:
    response = client.get(url)
    assert (response.status_code, response.headers["Location"]) == (302, location)


def test_pagination_links_round_trip(tmp_path, client) -> None:
    from search_app import create_app
    from search_app.engine.indexing import build_index
    from tests.conftest import write_corpus

    files = {f"d{n}.md": f"---\ntitle: D{n}\nsource: S\n---\napple {n}\n" for n in range(1, 26)}
    build_index(write_corpus(tmp_path / "c2", files), tmp_path / "i2")
    app = create_app({"INDEX_DIR": tmp_path / "i2", "CORPUS_DIR": tmp_path / "c2"})
    client = app.test_client()
    html = client.get("/search?q=apple").get_data(as_text=True)
    assert "25 passages in 25 documents match" in html and "page 1 of 3" in html
    next_link = re.search(r'<a rel="next" href="([^"]+)">', html).group(1).replace("&amp;", "&")
    assert next_link == "/search?q=apple&page=2"
    second = client.get(next_link)
    assert second.status_code == 200
    page2 = second.get_data(as_text=True)
    assert 'aria-current="page">2<' in page2
    assert '<ol class="results" start="11">' in page2
    assert client.get("/search?q=apple&page=4").status_code == 404


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/search?q=commission&page=0", "page must be a number from 1 to 1000, not &#39;0&#39;."),
        ("/search?q=commission&page=abc", "page must be a number from 1 to 1000"),
        ("/search?q=commission&page=99999999999999999999", "page must be a number"),
        ("/search?q=commission&from=19x", "from must be a year such as 1988"),
        ("/search?q=commission&from=2000&to=1990", "from (2000) is after to (1990): swap them."),
        ("/search?q=commission&q=other", "Give &#39;q&#39; once, not 2 times."),
        ("/search?q=*mission", "Words cannot start with a wildcard (*mission)"),
        ("/search?q=" + "a" * 501, "The query is 501 characters long"),
        ("/search?q=commission&source=" + "s" * 301, "&#39;source&#39; is too long"),
    ],
)
def test_bad_input_is_a_400_page_with_a_message(client, url: str, message: str) -> None:
    response = client.get(url)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "<h1>That search cannot be run</h1>" in html
    assert message in html


def test_unknown_document_is_404(client) -> None:
    response = client.get("/doc/nope")
    assert response.status_code == 404
    assert "There is no document &#39;nope&#39; in the index." in response.get_data(as_text=True)


def test_api_search_shape(client) -> None:
    data = client.get("/api/search?q=families").get_json()
    assert data == {
        "query": "families",
        "total": 1,
        "page": 1,
        "pages": 1,
        "results": [
            {
                "doc_id": "reports/commission",
                "passage": 2,
                "title": "The Death Commission in Tehran",
                "source": "Test Rights Watch",
                "source_type": "ngo-report",
                "date": "2019-06-01",
                "language": "en",
                "url": "https://example.org/report",
                "page": None,
                "highlight": "<mark>Families</mark> were never told where the bodies were buried.",
                "link": "http://localhost/doc/reports/commission?q=families#p-2",
                "score": data["results"][0]["score"],
                "ocr": False,
            }
        ],
        "facets": {
            "source": [{"value": "Test Rights Watch", "count": 1}],
            "source_type": [{"value": "ngo-report", "count": 1}],
            "language": [{"value": "en", "count": 1}],
            "year": [{"value": "2019", "count": 1}],
        },
        "suggestion": None,
        "partial": False,
        "undated": 0,
        "variants": [],
        "notes": [],
    }
    assert data["results"][0]["score"] > 0


@pytest.mark.parametrize(
    ("url", "status", "error"),
    [
        ("/api/search", 400, "Give the query as q=…, e.g. /api/search?q=death+commission"),
        ("/api/search?q=a&page=-1", 400, "page must be a number from 1 to 1000, not '-1'."),
        ("/api/search?q=commission&page=9", 404, "Page 9 is past the last page of results (1)."),
        ("/api/doc/nope", 404, "There is no document 'nope' in the index."),
    ],
)
def test_api_errors_are_json(client, url: str, status: int, error: str) -> None:
    response = client.get(url)
    assert response.status_code == status
    assert response.get_json() == {"error": error, "status": status}


def test_api_doc(client) -> None:
    data = client.get("/api/doc/notes/plain?q=members").get_json()
    assert data["title"] == "Plain note" and data["source"] == "Field notes"
    assert data["matched"] == [1]
    assert [p["number"] for p in data["passages"]] == [1, 2]
    assert data["passages"][0]["html"] == (
        "<p>A plain text note about the death commission and its <mark>members</mark>.</p>"
    )
    assert data["link"] == "http://localhost/doc/notes/plain"


def test_healthz(client, index_dir) -> None:
    data = client.get("/healthz").get_json()
    generation = (index_dir / "CURRENT").read_text().strip()
    assert data == {"status": "ok", "documents": 4, "passages": 8, "generation": generation}


def test_healthz_and_pages_say_how_to_build_a_missing_index(tmp_path) -> None:
    from search_app import create_app

    client = create_app({"INDEX_DIR": tmp_path / "empty"}).test_client()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.get_json()["error"].endswith("run `search-app index`.")
    page = client.get("/search?q=zebra")
    assert page.status_code == 503
    assert "run `search-app index`." in page.get_data(as_text=True)


def test_filter_links_add_and_remove_filters(client) -> None:
    html = client.get("/search?q=commission").get_data(as_text=True)
    add = '<a href="/search?q=commission&amp;source=Example+Daily"'
    assert add in html
    filtered = client.get("/search?q=commission&source=Example+Daily").get_data(as_text=True)
    assert '<a class="chip" href="/search?q=commission"' in filtered
    assert filtered.count('<li class="result">') == 1
    assert '<input type="hidden" name="source" value="Example Daily">' in filtered


def test_more_passages_link_lists_the_rest_of_a_document(client) -> None:
    html = client.get("/search?q=commission").get_data(as_text=True)
    assert (
        '<a href="/search?q=commission&amp;doc=reports/commission">all 2 matching passages '
        "in this document</a>"
    ) in html


# --- escaping -------------------------------------------------------------------------------


def test_script_in_query_comes_back_escaped(client) -> None:
    html = client.get("/search?q=%3Cscript%3Ealert(1)%3C/script%3E").get_data(as_text=True)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_script_in_documents_comes_back_escaped(client) -> None:
    for url in ("/", "/search?q=commission", "/search?q=alert", "/doc/hostile?q=commission"):
        html = client.get(url).get_data(as_text=True)
        assert only_our_script(html), url
        assert "<b>Bold</b>" not in html, url
    doc = client.get("/doc/hostile").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Hostile title" in doc
    assert "&lt;b&gt;Bold&lt;/b&gt; source" in doc


def test_javascript_urls_are_never_linked(client, corpus_dir, index_dir) -> None:
    doc = client.get("/doc/hostile").get_data(as_text=True)
    assert "javascript:" not in doc
    assert '<a href="https://example.org/good"' in doc
    page = client.get("/search?q=commission").get_data(as_text=True)
    assert {m for m in re.findall(r'href="([^"]+)"', page) if ":" in m} == {
        "https://example.org/report"
    }


def test_security_headers_on_every_response(client) -> None:
    for url in ("/", "/search?q=commission", "/doc/nope", "/api/search?q=x", "/healthz"):
        headers = client.get(url).headers
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
        assert "script-src 'self'" in headers["Content-Security-Policy"]
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_links_use_canonical_query_strings(client) -> None:
    html = client.get("/search?q=commission").get_data(as_text=True)
    for href in re.findall(r'href="(/search\?[^"]+)"', html):
        params = parse_qsl(urlsplit(href.replace("&amp;", "&")).query)
        assert params[0][0] == "q"


def test_rendered_markdown_links_only_to_http_urls(tmp_path) -> None:
    from search_app.corpus.rendering import markdown_to_html

    source = (
        "[a](javascript:alert(1)) [b](//evil.example/x) [c](page.html) [d](/search?q=x) "
        "[e](data:text/html,x) [f](https://ok.example/) <a href='http://ok.example/2'>g</a>"
    )
    hrefs = re.findall(r'href="([^"]*)"', markdown_to_html(source))
    assert hrefs == ["https://ok.example/", "http://ok.example/2"]


def test_script_bearing_documents_and_queries_through_every_page_and_the_api(client) -> None:
    q = "alert%20%3Cscript%3Ealert(2)%3C/script%3E"
    pages = [
        "/", f"/search?q={q}", "/search?q=alert", f"/doc/nope{q}",
        "/search?q=commission&source=%3Cb%3EBold%3C/b%3E+source",
        "/doc/hostile?q=commission", "/doc/notes/plain?q=alert",
    ]  # fmt: skip
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert only_our_script(html) and "<b>Bold" not in html, url
    data = client.get("/api/search?q=alert").get_json()
    assert data["results"][0]["highlight"] == (
        "It has two paragraphs and a &lt;script&gt;<mark>alert</mark>('txt')&lt;/script&gt; tag."
    )
    doc = client.get("/api/doc/hostile").get_json()
    assert "<script" not in json.dumps(doc["passages"])
    assert doc["title"] == "<script>alert('title')</script> Hostile title"  # data, not HTML
    assert client.get("/api/doc/hostile").mimetype == "application/json"
