"""Heavy requests cannot starve the rest: lanes for them, a charge for the work they cause, long
documents in parts, capped facet lists (review findings on a server with a large corpus)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_app import create_app
from search_app.cli import main
from search_app.engine.documents import PASSAGES_PER_PART
from search_app.engine.indexing import build_index
from search_app.web import guards
from search_app.web.ratelimit import RateLimiter
from tests.conftest import write_corpus
from tests.test_abuse import Clock


def test_a_charge_for_work_done_can_take_the_balance_below_zero() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, clock=clock)
    assert limiter.take("a") == 0.0
    limiter.charge("a", 200)  # floored at minus one minute's worth
    assert limiter.take("a") == pytest.approx(61.0)
    clock.now += 61
    assert limiter.take("a") == 0.0


def test_a_request_is_charged_for_the_time_it_took(
    corpus_dir: Path, index_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # review finding: a 200-line batch cost 10 tokens however long its lines, a 20,000-passage
    # document one; every tenth of a second past the first costs one more now
    app = create_app({"CORPUS_DIR": corpus_dir, "INDEX_DIR": index_dir, "RATE_LIMIT": 60})
    client = app.test_client()
    monkeypatch.setattr(guards, "FREE_WORK_SECONDS", 0.0)
    monkeypatch.setattr(guards, "WORK_SECONDS_PER_TOKEN", 1e-9)  # any work costs it all
    assert client.get("/batch?names=commission%0Agraves").status_code == 200
    refused = client.get("/search?q=commission")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "61"
    assert client.get("/healthz").status_code == 200  # not rate limited


@pytest.fixture
def app(corpus_dir: Path, index_dir: Path):
    return create_app({"CORPUS_DIR": corpus_dir, "INDEX_DIR": index_dir, "HEAVY_REQUESTS": 1})


@pytest.mark.parametrize(
    "url",
    [
        "/search?q=commision~1",
        "/api/search?q=famil*",
        '/search?q="death+commission"',
        "/search?q=commission&format=csv",
        "/batch?names=commission",
        "/doc/reports/commission?q=famil*",
        "/search?q=commission+graves+families+buried+city+court+members+tehran+weeks",
    ],
)
def test_heavy_requests_past_the_lanes_get_503_and_the_rest_are_served(app, url: str) -> None:
    client = app.test_client()
    lanes = app.extensions["search_app.heavy_lanes"]
    assert lanes.acquire(blocking=False)  # another heavy request runs
    try:
        busy = client.get(url)
        assert busy.status_code == 503
        assert busy.headers["Retry-After"] == "5"
        message = "The server is busy with other long requests (searches with *, ?, ~ or quotes, "
        assert message + "downloads, batches): try again in 5 s." in busy.get_data(as_text=True)
        for light in ("/healthz", "/", "/search?q=commission", "/doc/reports/commission"):
            assert client.get(light).status_code == 200, light
    finally:
        lanes.release()
    assert client.get(url).status_code == 200


LONG = 450  # passages: three parts


@pytest.fixture
def long_corpus(tmp_path: Path) -> Path:
    body = "\n\n".join(
        f"Paragraph {n} names witness{n} and the prison." for n in range(1, LONG + 1)
    )
    sources = {
        f"s/{n}.md": f"---\ntitle: Note {n}\nsource: Source {n:02}\n---\n\nThe prison register.\n"
        for n in range(30)
    }
    corpus = write_corpus(
        tmp_path / "corpus", {"long.md": f"---\ntitle: Long\nsource: S\n---\n\n{body}\n", **sources}
    )
    build_index(corpus, tmp_path / "index")
    return tmp_path


@pytest.fixture
def long_client(long_corpus: Path):
    config = {"CORPUS_DIR": long_corpus / "corpus", "INDEX_DIR": long_corpus / "index"}
    return create_app(config).test_client()


def test_the_terminal_links_carry_the_part_too(long_corpus: Path) -> None:
    paths = ["--corpus", str(long_corpus / "corpus"), "--index", str(long_corpus / "index")]
    result = CliRunner().invoke(main, ["search", "witness450", "--json", *paths])
    assert result.exit_code == 0, result.output
    [hit] = json.loads(result.output)["results"]
    assert hit["link"] == "/doc/long?q=witness450&part=3#p-450"


def test_a_long_document_is_shown_in_parts_and_links_carry_the_part(long_client) -> None:
    # review finding: a 20,000-passage document page was 6.4 MB, rendered on every request
    assert PASSAGES_PER_PART == 200
    results = long_client.get("/search?q=witness450").get_data(as_text=True)
    assert re.findall(r'href="(/doc/[^"]+)">Open passage', results) == [
        "/doc/long?q=witness450&amp;part=3#p-450"
    ]
    first = long_client.get("/search?q=witness7").get_data(as_text=True)
    assert "/doc/long?q=witness7#p-7" in first  # the first part: links as they always were
    part = long_client.get("/doc/long?q=witness450&part=3").get_data(as_text=True)
    assert re.findall(r'id="p-(\d+)"', part) == [str(n) for n in range(401, 451)]
    assert '\n     data-part="3" data-parts="3" data-part-size="200">' in part
    assert '<strong aria-current="page">401–450</strong>' in part


def test_an_old_link_without_its_part_lists_every_part(long_client) -> None:
    page = long_client.get("/doc/long?q=prison#p-450").get_data(as_text=True)
    assert re.findall(r'id="p-(\d+)"', page) == [str(n) for n in range(1, 201)]
    assert re.findall(r'<a href="([^"]+)">(\d+–\d+)</a>', page)[:2] == [
        ("/doc/long?q=prison&amp;part=2", "201–400"),
        ("/doc/long?q=prison&amp;part=3", "401–450"),
    ]
    listed = re.findall(r'<a href="([^"]*#p-\d+)">\d+</a>', page)
    assert listed == [f"#p-{n}" for n in range(1, 201)] and "and 250 more" in page
    elsewhere = long_client.get("/doc/long?q=witness3+OR+witness450").get_data(as_text=True)
    assert re.findall(r'<a href="([^"]*#p-\d+)">\d+</a>', elsewhere) == [
        "#p-3",
        "/doc/long?q=witness3+OR+witness450&amp;part=3#p-450",
    ]


@pytest.mark.parametrize(
    ("url", "status", "message"),
    [
        ("/doc/long?part=4", 404, "The document &#39;long&#39; has fewer than 4 parts."),
        ("/doc/long?part=0", 400, "part must be a number from 1, not &#39;0&#39;."),
        ("/doc/long?part=x", 400, "part must be a number from 1, not &#39;x&#39;."),
    ],
)
def test_a_part_that_does_not_exist(long_client, url: str, status: int, message: str) -> None:
    response = long_client.get(url)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_the_api_gives_the_whole_document_or_one_part(long_client) -> None:
    whole = long_client.get("/api/doc/long").get_json()
    assert (len(whole["passages"]), whole["part"], whole["parts"]) == (LONG, None, 3)
    second = long_client.get("/api/doc/long?part=2").get_json()
    assert [p["number"] for p in second["passages"]] == list(range(201, 401))


def test_facet_lists_show_the_most_frequent_values_and_link_to_all(long_client) -> None:
    # review finding: 3,000 sources made a 504 KB result page
    page = long_client.get("/search?q=prison").get_data(as_text=True)
    sources = re.findall(r"Source \d\d|>S<", page)
    assert len(set(sources)) == 20
    more = re.findall(r'<a href="(/facets/source[^"]*)">All 31 source values</a>', page)
    assert more == ["/facets/source?q=prison"]
    full = long_client.get(more[0]).get_data(as_text=True)
    assert len(set(re.findall(r"Source \d\d", full))) == 30
    assert 'href="/search?q=prison&amp;source=Source+07"' in full
    assert "All 31" not in full
    assert long_client.get("/facets/nope?q=prison").status_code == 404
    assert long_client.get("/facets/source?q=prison&page=1").status_code == 302
