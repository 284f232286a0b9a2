"""Abuse: rate limits, request sizes, access logs."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

import pytest

from search_app import create_app
from search_app.web.ratelimit import RateLimiter, retry_after
from tests.conftest import Server


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_token_bucket_refills_over_time() -> None:
    clock = Clock()
    limiter = RateLimiter(per_minute=60, clock=clock)
    assert [limiter.take("a") for _ in range(60)] == [0.0] * 60
    assert limiter.take("a") == pytest.approx(1.0)  # one token a second
    assert limiter.take("b") == 0.0  # clients are separate
    clock.now += 5
    assert [limiter.take("a") for _ in range(5)] == [0.0] * 5
    assert limiter.take("a", cost=10) == pytest.approx(10.0)


def test_the_client_table_is_bounded() -> None:
    limiter = RateLimiter(per_minute=1, max_clients=3, clock=Clock())
    for client in "abcd":
        limiter.take(client)
    assert list(limiter._buckets) == ["b", "c", "d"]


@pytest.mark.parametrize(("wait", "header"), [(0.01, "1"), (1.0, "1"), (1.2, "2"), (59.9, "60")])
def test_retry_after_is_whole_seconds(wait: float, header: str) -> None:
    assert retry_after(wait) == header


@pytest.fixture
def limited(corpus_dir, index_dir):
    app = create_app({"CORPUS_DIR": corpus_dir, "INDEX_DIR": index_dir, "RATE_LIMIT": 12})
    return app.test_client()


def test_searches_beyond_the_limit_get_429_with_retry_after(limited) -> None:
    statuses = [limited.get("/search?q=commission").status_code for _ in range(13)]
    assert statuses == [200] * 12 + [429]
    refused = limited.get("/api/search?q=commission")
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "5"
    assert refused.get_json()["error"].startswith("Too many searches from your address")
    page = limited.get("/search?q=commission")
    assert "Too many searches" in page.get_data(as_text=True)
    # documents count too (a long one takes a while to render); the home page does not
    assert limited.get("/doc/reports/commission").status_code == 429
    assert limited.get("/").status_code == 200


def test_a_download_costs_ten_searches(limited) -> None:
    assert limited.get("/search?q=commission&format=csv").status_code == 200
    assert limited.get("/search?q=commission&format=json").status_code == 429
    assert limited.get("/search?q=commission").status_code == 200


def test_rate_limit_zero_turns_it_off(corpus_dir, index_dir) -> None:
    app = create_app({"CORPUS_DIR": corpus_dir, "INDEX_DIR": index_dir, "RATE_LIMIT": 0})
    client = app.test_client()
    assert {client.get("/api/search?q=commission").status_code for _ in range(200)} == {200}


def access_lines(caplog) -> list[dict]:
    return [json.loads(r.message) for r in caplog.records if r.name == "search_app.access"]


@pytest.mark.parametrize(("log_queries", "path"), [(1, "/search?q=evin"), (0, "/search")])
def test_access_log_lines(corpus_dir, index_dir, caplog, log_queries: int, path: str) -> None:
    app = create_app({"CORPUS_DIR": corpus_dir, "INDEX_DIR": index_dir, "LOG_QUERIES": log_queries})
    with caplog.at_level(logging.INFO, logger="search_app.access"):
        app.test_client().get("/search?q=evin")
    [line] = access_lines(caplog)
    assert set(line) == {"method", "path", "status", "duration_ms"}
    assert (line["method"], line["path"], line["status"]) == ("GET", path, 200)
    assert "evin" not in json.dumps(line) or log_queries


def test_oversized_requests_are_refused_by_the_server(server: Server) -> None:
    huge = server.url + "/search?q=" + "a" * 20_000
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(huge, timeout=10)
    refused.value.close()
    assert refused.value.code == 431
    body = urllib.request.Request(server.url + "/batch", data=b"x" * 300_000, method="POST")
    with pytest.raises(urllib.error.HTTPError) as too_big:
        urllib.request.urlopen(body, timeout=10)
    too_big.value.close()
    assert too_big.value.code == 413
