"""Citations, reference-manager downloads and the public address, through the real server.

The downloads are read back with real parsers: RIS with ``rispy``, CSL-JSON with ``citeproc-py``
(which renders a bibliography from it), CSV with the csv module.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import rispy
from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle
from citeproc import formatter as citeproc_formatter
from citeproc.source.json import CiteProcJSON
from click.testing import CliRunner

from search_app import create_app
from search_app.cli import main
from search_app.config import load_settings
from search_app.engine.citations import Work, citation
from search_app.engine.citations import quote as quoted
from search_app.web.serving import own_name
from tests.conftest import Server, start_server, stop_server, write_corpus
from tests.documents import make_pdf

PUBLIC = "https://evidence.example.org"
LONG = (
    "The commission met every morning in the prison hall and questioned each prisoner about "
    "their loyalties for a few minutes only, and those who answered wrongly were taken to the "
    "gallows that same afternoon, according to the survivors who gave their testimony to the "
    "inquiry many years later and asked that their names be withheld from every published record."
)
CORPUS = {
    "reports/inquiry.md": f"""---
title: Report of the inquiry
source: Test Rights Watch
source_type: ngo-report
author: Jane Example
date: 2019-06-01
url: https://example.org/inquiry
language: en
tags: [inquiry, evin]
---

{LONG}

Families were never told where the graves of the executed prisoners were.
""",
    "news/undated.md": """---
title: Graves found near the city
source: Example Daily
source_type: news
---

Relatives found the graves near the city, and gathered there every year.
""",
    "fa/inquiry.md": """---
title: گزارش تحقیق
source: Test Rights Watch
language: fa
date: 2020
translation_of: reports/inquiry
translator: Sara Translator
---

خانواده‌ها هرگز از محل گورها باخبر نشدند و رئیسی عضو هیئت بود.
""",
    "reports/scan.pdf.meta.yml": "title: The PDF report\nsource: PDF Rights\ndate: 2018-12\n",
}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = write_corpus(tmp_path_factory.mktemp("citations") / "corpus", CORPUS)
    make_pdf(
        root / "reports/scan.pdf",
        [["The first page says nothing."], ["The prison graves are on the second page."]],
    )
    return root


@pytest.fixture(scope="module")
def public(corpus: Path) -> Iterator[Server]:
    """A real server whose public address is set."""
    running = start_server(corpus, corpus.parent / "index-public", public_url=PUBLIC + "/")
    yield running
    assert f"Links in citations and downloads start with {PUBLIC}/\n" in stop_server(running)


@pytest.fixture(scope="module")
def plain(corpus: Path, public: Server) -> Iterator[Server]:
    """A real server without a public address (on the index the other one built)."""
    running = start_server(corpus, public.index_dir)
    yield running
    output = stop_server(running)
    assert (
        f"Links in citations and downloads start with {running.url}/: set SEARCH_APP_PUBLIC_URL "
        "to the address your readers use\n"
    ) in output


def fetch(url: str) -> tuple[int, dict[str, str], bytes]:
    url = quote(url, safe=":/?&=+%#")
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, dict(error.headers), error.read()


def page(server: Server, path: str) -> str:
    status, _headers, body = fetch(server.url + path)
    assert status == 200, path
    return body.decode("utf-8")


def citations(html: str) -> list[str]:
    found = re.findall(r'<p class="citation">(.*?)</p>', html, re.S)
    return [text.replace("&amp;", "&").replace("&#34;", '"') for text in found]


# --- the citation line ----------------------------------------------------------------------


def test_a_citation_gives_every_part_and_links_the_public_address(public: Server) -> None:
    html = page(public, "/search?q=families+graves&language=en")
    assert citations(html) == [
        "Test Rights Watch, Jane Example, “Report of the inquiry”, 2019-06-01, passage 2: "
        "“Families were never told where the graves of the executed prisoners were.” "
        f"Original: https://example.org/inquiry. {PUBLIC}/doc/reports/inquiry#p-2"
    ]


def test_a_long_passage_is_quoted_up_to_about_300_characters(public: Server) -> None:
    (line,) = citations(page(public, "/search?q=gallows"))
    quoted_text = re.search(r"“([^”]*)”", line.split("passage 1: ", 1)[1]).group(1)
    assert quoted_text.endswith("…") and 250 < len(quoted_text) <= 301
    assert LONG.startswith(quoted_text[:-1])
    assert quoted("short text") == "short text"
    assert quoted("word " * 100, 20) == "word word word word…"


def test_an_undated_document_is_cited_n_d(public: Server) -> None:
    (line,) = citations(page(public, "/search?q=relatives"))
    assert line == (
        "Example Daily, “Graves found near the city”, n.d., passage 1: “Relatives found the "
        f"graves near the city, and gathered there every year.” {PUBLIC}/doc/news/undated#p-1"
    )


def test_a_pdf_passage_is_cited_with_its_page(public: Server) -> None:
    (line,) = citations(page(public, "/search?q=second+page"))
    assert line == (
        "PDF Rights, “The PDF report”, 2018-12, p. 2, passage 2: “The prison graves are on the "
        f"second page.” {PUBLIC}/doc/reports/scan#p-2"
    )


def test_a_translation_says_whose_translation_of_which_document(public: Server) -> None:
    (line,) = citations(page(public, "/search?q=رئیسی"))
    assert line == (
        "Test Rights Watch, “گزارش تحقیق” (Persian translation by Sara Translator of “Report of "
        "the inquiry”, Test Rights Watch, 2019-06-01), 2020, passage 1: “خانواده‌ها هرگز از محل "
        f"گورها باخبر نشدند و رئیسی عضو هیئت بود.” {PUBLIC}/doc/fa/inquiry#p-1"
    )
    document = page(public, "/doc/fa/inquiry")
    assert "<dt>Translated by</dt><dd>Sara Translator</dd>" in document


def test_a_citation_is_plain_data_to_text() -> None:
    work = Work("d", "T", "S", author=None, date=None, url="https://x.org/a")
    assert citation(work, 3, 7, "a  passage\nof text", "L") == (
        "S, “T”, n.d., p. 7, passage 3: “a passage of text” Original: https://x.org/a. L"
    )


# --- the public address and the Host header -------------------------------------------------


def raw_get(server: Server, path: str, host: str) -> tuple[int, dict[str, str], str]:
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.putrequest("GET", path, skip_host=True)
    connection.putheader("Host", host)
    connection.putheader("X-Forwarded-Host", host)
    connection.endheaders()
    response = connection.getresponse()
    body = response.read().decode("utf-8")
    connection.close()
    return response.status, dict(response.getheaders()), body


@pytest.mark.parametrize("name", ["public", "plain"])
def test_no_absolute_link_comes_from_the_host_header(
    public: Server, plain: Server, name: str
) -> None:
    server = public if name == "public" else plain
    own = PUBLIC if name == "public" else server.url  # the address it listens on
    status, headers, _ = raw_get(server, "/doc//reports/inquiry", "evil.example")
    assert status in (301, 308)
    assert headers["Location"] in (f"{own}/doc/reports/inquiry", "/doc/reports/inquiry")
    _, _, xml = raw_get(server, "/opensearch.xml", "evil.example")
    assert f'template="{own}/search?q={{searchTerms}}"' in xml
    _, _, html = raw_get(server, "/search?q=relatives", "evil.example")
    assert f"{own}/doc/news/undated#p-1" in html and "evil.example" not in html
    _, _, api = raw_get(server, "/api/doc/news/undated", "evil.example:8000")
    assert json.loads(api)["link"] == f"{own}/doc/news/undated"


def test_a_public_address_with_a_path_is_where_the_site_is_mounted(corpus: Path) -> None:
    app = create_app({"CORPUS_DIR": corpus, "INDEX_DIR": corpus.parent / "index-public"})
    mounted = create_app(
        {
            "CORPUS_DIR": corpus,
            "INDEX_DIR": corpus.parent / "index-public",
            "PUBLIC_URL": "https://example.org/evidence",
        }
    ).test_client()
    # whether the proxy strips the path or passes it on, links carry it
    for path in ("/opensearch.xml", "/evidence/opensearch.xml"):
        xml = mounted.get(path, headers={"Host": "evil.example"}).get_data(as_text=True)
        assert 'template="https://example.org/evidence/search?q={searchTerms}"' in xml
    assert app.test_client().get("/opensearch.xml").status_code == 200


@pytest.mark.parametrize(
    "value",
    ["evidence.example.org", "ftp://x.org", "https://", "https://x.org/?q=1", "https://x.org/#a"],
)
def test_a_bad_public_address_is_refused_with_the_setting_named(value: str) -> None:
    with pytest.raises(ValueError, match="SEARCH_APP_PUBLIC_URL must be an http"):
        load_settings(environ={"SEARCH_APP_PUBLIC_URL": value})


def test_citation_links_carry_the_query_only_when_the_operator_asks(corpus: Path) -> None:
    app = create_app(
        {"CORPUS_DIR": corpus, "INDEX_DIR": corpus.parent / "index-public", "CITATION_QUERY": 1}
    )
    html = app.test_client().get("/search?q=relatives").get_data(as_text=True)
    assert "http://localhost/doc/news/undated?q=relatives#p-1</p>" in html


def test_the_cli_prints_absolute_links_when_the_public_address_is_set(
    corpus: Path, public: Server
) -> None:
    args = ["--corpus", str(corpus), "--index", str(public.index_dir)]
    env = {"SEARCH_APP_PUBLIC_URL": PUBLIC}
    result = CliRunner(env=env).invoke(main, ["search", "relatives", *args])
    assert f"   {PUBLIC}/doc/news/undated?q=relatives#p-1\n" in result.stdout
    assert "1 passage in 1 document matches 'relatives'" in result.stdout
    plain_run = CliRunner(env={"SEARCH_APP_PUBLIC_URL": ""}).invoke(
        main, ["search", "relatives", *args]
    )
    assert "   /doc/news/undated?q=relatives#p-1\n" in plain_run.stdout
    batch = CliRunner(env=env).invoke(main, ["batch", "-", "--json", *args], input="relatives\n")
    (top,) = json.loads(batch.stdout)["lines"][0]["top"]
    assert top["link"] == f"{PUBLIC}/doc/news/undated#p-1"  # a download: no search words


def test_the_cli_and_the_site_spell_a_passage_link_alike(corpus: Path) -> None:
    from search_app.cli import _cli_link
    from search_app.web.links import passage_link

    public = "https://example.org/evidence"
    app = create_app(
        {"CORPUS_DIR": corpus, "INDEX_DIR": corpus.parent / "index-public", "PUBLIC_URL": public}
    )
    doc_ids = ["news/undated", "a:b@c", "a b/é ü?#%&=+;x", "عدالت/گزارش"]
    with app.test_request_context("/", base_url=f"{public}/"):
        for doc_id in doc_ids:
            for q in (None, "graves", 'Ra\'isi "a/b" & c=d #e', "اعدام ۱۳۶۷"):
                for number, exact in ((1, False), (7, True), (4321, True)):
                    site = passage_link(doc_id, number, q, exact, external=True)
                    assert _cli_link(doc_id, number, q, exact, public) == site


# --- downloads ------------------------------------------------------------------------------


def download(server: Server, query: str) -> tuple[dict[str, str], bytes]:
    status, headers, body = fetch(f"{server.url}/search?{query}")
    assert status == 200, query
    return headers, body


def test_csv_starts_with_a_byte_order_mark_and_links_without_the_query(public: Server) -> None:
    headers, body = download(public, "q=graves&format=csv")
    assert headers["Content-Type"] == "text/csv; charset=utf-8"
    assert body.startswith(b"\xef\xbb\xbfrank,source,title,")
    rows = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
    assert {row["link"] for row in rows} == {
        f"{PUBLIC}/doc/reports/inquiry#p-2",
        f"{PUBLIC}/doc/news/undated#p-1",
        f"{PUBLIC}/doc/reports/scan#p-2",
    }


def test_ris_download_is_read_by_a_ris_library(public: Server) -> None:
    headers, body = download(public, "q=graves+OR+گورها&format=ris")
    assert headers["Content-Type"].startswith("application/x-research-info-systems")
    assert headers["Content-Disposition"] == 'attachment; filename="documents-graves-OR.ris"'
    records = {r["id"]: r for r in rispy.loads(body.decode("utf-8"))}
    assert set(records) == {"reports/inquiry", "news/undated", "reports/scan", "fa/inquiry"}
    inquiry = records["reports/inquiry"]
    assert inquiry["type_of_reference"] == "RPRT"
    assert inquiry["title"] == "Report of the inquiry"
    assert inquiry["authors"] == ["Jane Example"]
    assert inquiry["publisher"] == "Test Rights Watch"
    assert (inquiry["year"], inquiry["date"]) == ("2019", "2019/06/01")
    assert inquiry["language"] == "English"
    assert inquiry["urls"] == ["https://example.org/inquiry", f"{PUBLIC}/doc/reports/inquiry"]
    assert inquiry["keywords"] == ["inquiry", "evin"]
    news = records["news/undated"]
    assert news["type_of_reference"] == "NEWS" and "year" not in news and "authors" not in news
    assert news["urls"] == [f"{PUBLIC}/doc/news/undated"]
    assert records["reports/scan"]["file_attachments1"] == f"{PUBLIC}/file/reports/scan"
    translation = records["fa/inquiry"]
    assert translation["original_publication"] == "Report of the inquiry"
    assert translation["notes"] == [
        "Persian translation by Sara Translator of “Report of the inquiry”, Test Rights Watch, "
        "2019-06-01"
    ]


def test_csl_json_download_is_rendered_by_a_csl_processor(public: Server) -> None:
    headers, body = download(public, "q=graves&format=csl")
    assert headers["Content-Type"].startswith("application/vnd.citationstyles.csl+json")
    assert headers["Content-Disposition"] == 'attachment; filename="documents-graves.csl.json"'
    items = json.loads(body)
    by_id = {item["id"]: item for item in items}
    assert sorted(by_id) == ["news/undated", "reports/inquiry", "reports/scan"]
    inquiry = by_id["reports/inquiry"]
    assert inquiry["author"] == [{"literal": "Jane Example"}]
    assert inquiry["issued"] == {"date-parts": [[2019, 6, 1]]}
    assert inquiry["URL"] == "https://example.org/inquiry"
    assert inquiry["archive_location"] == f"{PUBLIC}/doc/reports/inquiry"
    assert by_id["reports/scan"]["note"] == f"PDF: {PUBLIC}/file/reports/scan"
    # citeproc-py reads it and renders a bibliography in the Harvard style
    source = CiteProcJSON(items)
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, citeproc_formatter.plain)
    bibliography.register(Citation([CitationItem(item["id"]) for item in items]))
    rendered = sorted(str(entry) for entry in bibliography.bibliography())
    assert rendered == [
        "Example Daily (no date) “Graves found near the city”, Example Daily. Available at: "
        f"{PUBLIC}/doc/news/undated.",
        "Jane Example (2019) Report of the inquiry. Test Rights Watch. Available at: "
        "https://example.org/inquiry.",
        "“The PDF report” (2018) “The PDF report”. PDF Rights. Available at: "
        f"{PUBLIC}/doc/reports/scan.",
    ]


def test_a_translation_in_csl_json_names_its_original_and_translator(public: Server) -> None:
    _, body = download(public, "q=رئیسی&format=csl")
    (item,) = json.loads(body)
    assert item["original-title"] == "Report of the inquiry"
    assert item["original-publisher"] == "Test Rights Watch"
    assert item["original-date"] == {"date-parts": [[2019, 6, 1]]}
    assert item["translator"] == [{"literal": "Sara Translator"}]
    assert item["language"] == "fa"


def test_unknown_download_formats_list_the_known_ones(public: Server) -> None:
    status, _, body = fetch(public.url + "/search?q=graves&format=bibtex")
    assert status == 400
    assert "format must be one of csv, json, ris, csl, not &#39;bibtex&#39;." in body.decode()


# --- reference-manager meta tags ------------------------------------------------------------


class MetaTags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "meta" and (found.get("name") or "").startswith("citation_"):
            self.tags.append((found["name"] or "", found.get("content") or ""))


def meta_tags(html: str) -> list[tuple[str, str]]:
    parser = MetaTags()
    parser.feed(html)
    return parser.tags


def test_document_pages_carry_citation_meta_tags(public: Server) -> None:
    assert meta_tags(page(public, "/doc/reports/inquiry")) == [
        ("citation_title", "Report of the inquiry"),
        ("citation_author", "Jane Example"),
        ("citation_publisher", "Test Rights Watch"),
        ("citation_publication_date", "2019/06/01"),
        ("citation_date", "2019/06/01"),
        ("citation_language", "en"),
        ("citation_public_url", f"{PUBLIC}/doc/reports/inquiry"),
        ("citation_keywords", "inquiry"),
        ("citation_keywords", "evin"),
    ]
    pdf = dict(meta_tags(page(public, "/doc/reports/scan")))
    assert pdf["citation_pdf_url"] == f"{PUBLIC}/file/reports/scan"
    assert fetch(public.url + "/file/reports/scan")[2].startswith(b"%PDF")
    undated = dict(meta_tags(page(public, "/doc/news/undated")))
    assert "citation_date" not in undated and undated["citation_journal_title"] == "Example Daily"


# --- rough edges through the server ---------------------------------------------------------


@pytest.mark.parametrize(
    ("q", "message"),
    [
        ("Raisi OR OR Montazeri", "OR is missing a word after it"),
        ("OR Raisi", "OR is missing a word before it"),
        ("Raisi AND", "AND is missing a word after it"),
        ("Raisi NOT", "NOT is missing a word after it"),
    ],
)
def test_an_operator_without_a_word_is_a_400_that_says_so(
    public: Server, q: str, message: str
) -> None:
    status, _, body = fetch(f"{public.url}/search?q={quote(q)}")
    assert status == 400 and message in body.decode()
    status, _, body = fetch(f"{public.url}/api/search?q={quote(q)}")
    assert status == 400 and message in json.loads(body)["error"]
    assert fetch(f"{public.url}/search?q={quote('“Raisi OR OR”')}")[0] == 200  # quoted: words


def test_the_error_page_keeps_what_was_typed(public: Server) -> None:
    status, _, body = fetch(f"{public.url}/search?q={quote('graves OR OR city')}&exact=1")
    html = body.decode()
    assert status == 400
    assert 'value="graves OR OR city"' in html
    assert 'name="exact" value="1" checked' in html


def test_counts_are_grammatical(public: Server) -> None:
    html = page(public, "/search?q=relatives")
    assert '1 passage in 1 document matches <strong dir="auto">relatives</strong>' in html
    html = page(public, "/search?q=graves")
    assert '3 passages in 3 documents match <strong dir="auto">graves</strong>' in html
    html = page(public, "/search?q=رئیسی")
    assert '1 passage in 1 document matches <strong dir="auto">رئیسی</strong>' in html
    home = page(public, "/")
    assert "Keyword search over 4 documents\n  (6 passages)" in home
    assert "<bdi>Example Daily</bdi> · n.d. · 1 passage</span>" in home


def test_the_year_facet_is_the_publication_year_and_counts_undated(public: Server) -> None:
    html = page(public, "/search?q=graves+OR+گورها")
    assert "<h2>Publication year</h2>" in html
    assert '<li class="undated"><span>undated</span> <span class="count">1</span></li>' in html
    assert "Choosing a year leaves out undated documents." in html
    data = json.loads(fetch(f"{public.url}/api/search?q=graves+OR+گورها")[2])
    assert data["undated"] == 1
    assert data["facets"]["year"] == [
        {"value": "2020", "count": 1}, {"value": "2019", "count": 1}, {"value": "2018", "count": 1}
    ]  # fmt: skip
    filtered = page(public, "/search?q=graves&from=2018")
    assert "published from: <bdi>2018</bdi> ✕" in filtered
    assert "(documents without a date are left out)" in filtered
    assert "news/undated" not in filtered


def test_the_batch_source_box_lists_the_corpus_sources(public: Server) -> None:
    html = page(public, "/batch")
    options = re.findall(r"<option(?: selected)?>([^<]*)</option>", html.split('name="source"')[1])
    assert options[:4] == ["Test Rights Watch", "Example Daily", "PDF Rights"][:4]
    chosen = page(public, "/batch?names=graves&source=Example+Daily")
    assert "<option selected>Example Daily</option>" in chosen
    assert re.search(r'<td data-label="Passages">1</td>', chosen)


def test_the_document_page_searches_within_the_document(public: Server) -> None:
    html = page(public, "/doc/reports/inquiry")
    form = re.search(r'<form class="search-within".*?</form>', html, re.S).group(0)
    assert 'action="/search"' in form
    assert '<input type="hidden" name="doc" value="reports/inquiry">' in form
    assert '<input id="within" name="q" type="search" dir="auto"' in form


def test_without_a_public_address_the_server_names_itself_by_what_it_listens_on() -> None:
    assert own_name("127.0.0.1") == "127.0.0.1"
    assert own_name("::1") == "[::1]"
    assert own_name("0.0.0.0") == own_name("::") == socket.gethostname()
