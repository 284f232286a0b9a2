"""Property-based tests: whatever a client sends, the answer is a page, a redirect, a 400/404 with
a message, or a 429 - never a 500 and never a hang."""

from __future__ import annotations

import time
from urllib.parse import quote, quote_from_bytes, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search_app import create_app
from search_app.engine.indexing import build_index
from search_app.engine.queries import QueryError
from search_app.engine.readers import SearchIndex
from search_app.engine.results import SearchRequest
from search_app.engine.searching import search
from tests.conftest import write_corpus

PARAMETERS = ["q", "page", "source", "source_type", "language", "from", "to", "doc", "sort",
              "exact", "format", "x"]  # fmt: skip
ALLOWED = {200, 302, 400, 404, 429}

# text that stresses parsers: operators, quotes, fields, wildcards, right-to-left, combining marks,
# control characters, digits in three scripts
hostile_text = st.lists(
    st.one_of(
        st.sampled_from(list('()"*?~^:+-[]{}\\/ ') + ["AND", "OR", "NOT", "TO", "title:", "url:"]),
        st.characters(codec="utf-8"),
        st.sampled_from(list("رئیسی‌۱۳۶۷١٣٦٧ًٌٍَُِّْـ\u202e\u200f\x00\x01\x7f")),
        st.sampled_from(["commission", "death", "apple", "1988", "x" * 99]),
    ),
    max_size=40,
).map("".join)
huge_numbers = st.integers(min_value=-(10**30), max_value=10**30).map(str)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    root = tmp_path_factory.mktemp("hostile")
    write_corpus(root / "corpus")
    build_index(root / "corpus", root / "index")
    return SearchIndex(root / "index")


@pytest.fixture(scope="module")
def client(index: SearchIndex):
    app = create_app({"INDEX_DIR": index.index_dir, "RATE_LIMIT": 0})
    return app.test_client()


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=hostile_text)
def test_any_query_is_searched_or_refused_with_a_reason(index: SearchIndex, q: str) -> None:
    started = time.monotonic()
    try:
        result = search(index, SearchRequest(q=q))
    except QueryError as error:
        assert str(error)
    else:
        assert result.total >= 0
    assert time.monotonic() - started < 2.0


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(["/search", "/api/search", "/api/suggest", "/", "/healthz"]),
    params=st.lists(
        st.tuples(st.sampled_from(PARAMETERS), st.one_of(hostile_text, huge_numbers)), max_size=6
    ),
)
def test_any_parameters_on_any_route(client, path: str, params: list[tuple[str, str]]) -> None:
    response = client.get(f"{path}?{urlencode(params)}")
    assert response.status_code in ALLOWED, (path, params, response.status_code)
    if response.status_code in (400, 404):
        assert response.get_data(as_text=True).strip()  # a message, not an empty body


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(raw=st.binary(max_size=60), name=st.sampled_from(["q", "page", "from", "source", "sort"]))
def test_invalid_utf8_percent_escapes(client, raw: bytes, name: str) -> None:
    response = client.get(f"/search?{name}={quote_from_bytes(raw)}&q=commission")
    assert response.status_code in ALLOWED


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=hostile_text, prefix=st.sampled_from(["/doc/", "/api/doc/", "/file/"]))
def test_any_document_path(client, doc: str, prefix: str) -> None:
    response = client.get(prefix + quote(doc, safe=""), query_string={"q": "commission"})
    assert response.status_code in ALLOWED | {308}
