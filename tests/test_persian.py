"""Persian: normalization, mixed queries, highlights, the Solar Hijri calendar, direction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from search_app import create_app
from search_app.config import Settings
from search_app.corpus.solar_calendar import nowruz, parse_year_span, solar_label, to_solar
from search_app.engine.analysis import exact_analyzer, stemmed_analyzer
from search_app.engine.indexing import build_index
from search_app.engine.readers import SearchIndex
from search_app.engine.results import SearchRequest
from search_app.engine.searching import search
from tests.conftest import REPO, found, indexed

ZWNJ = "\u200c"

CORPUS = {
    "fa1.md": "---\ntitle: گزارش اعدام‌ها\nsource: کانون حقوق بشر\nlanguage: fa\n"
    "date: 1988-07-19\n---\n"
    "در تابستان ۱۳۶۷ زندانیان سیاسی اعدام شدند.\n\n"  # fa1#1
    "ابراهیم رئیسی عضو هیئت مرگ بود و خانواده‌ها بی‌خبر ماندند.\n\n"  # fa1#2
    "این گزارش می‌گوید شمار قربانیان بسیار بود.\n",  # fa1#3
    "fa2.md": "---\ntitle: Arabic keyboard text\nsource: Example\nlanguage: fa\n"
    "date: 1988-03-01\n---\n"
    "كتاب مدرسه و مـــدارك زندان در سال ١٣٦٦ يافت شد.\n",  # fa2#1, Arabic ك ي, tatweel, digits
    "en.md": "---\ntitle: English report\nsource: Example\ndate: '1988'\n---\n"
    "The 1367 executions in Evin prison.\n",  # en#1
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> SearchIndex:
    return indexed(tmp_path_factory.mktemp("persian"), CORPUS)


@pytest.mark.parametrize(
    ("text", "terms"),
    [
        ("كتاب", ["کتاب"]),  # Arabic kaf
        ("يافت", ["یافت"]),  # Arabic yeh
        ("مـــدارك", ["مدارک"]),  # tatweel
        ("اعدامِ", ["اعدام"]),  # kasra
        ("مُجاهِدین", ["مجاهدین"]),  # damma, kasra
        ("۱۳۶۷ ١٣٦٧ 1367", ["1367", "1367", "1367"]),
        (f"می{ZWNJ}گوید", ["می", "گوید"]),  # split at the zero-width non-joiner...
        ("می گوید", ["می", "گوید"]),  # ...so a space finds it
        ("خانهٔ", ["خانه"]),  # heh with hamza above
    ],
)
def test_persian_folding(text: str, terms: list[str]) -> None:
    assert [t.text for t in exact_analyzer()(text)] == terms


def test_persian_stop_words_are_dropped_but_not_in_exact_search() -> None:
    assert [t.text for t in stemmed_analyzer()("این گزارش در ایران")] == ["گزارش", "ایران"]
    assert [t.text for t in exact_analyzer()("این گزارش در ایران")] == [
        "این", "گزارش", "در", "ایران",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        # the query written each way finds the document written each way
        ("کتاب", ["fa2#1"]),
        ("كتاب", ["fa2#1"]),
        ("مدارک", ["fa2#1"]),
        ("یافت", ["fa2#1"]),
        ("اعدام", ["fa1#1"]),
        ("اعدامِ", ["fa1#1"]),
        ("ﺍﻋﺪﺍﻡ", []),  # presentation forms are other characters: not folded
        # digits in any script
        ("1367", ["en#1", "fa1#1"]),
        ("۱۳۶۷", ["en#1", "fa1#1"]),
        ("١٣٦٧", ["en#1", "fa1#1"]),
        ("1366", ["fa2#1"]),
        # the zero-width non-joiner typed as ZWNJ or as a space
        (f"خانواده{ZWNJ}ها", ["fa1#2"]),
        ("خانواده ها", ["fa1#2"]),
        (f'"می{ZWNJ}گوید"', ["fa1#3"]),
        ('"می گوید"', ["fa1#3"]),
        # mixed English and Persian in one query
        ("Evin OR رئیسی", ["en#1", "fa1#2"]),
        ("1367 زندانیان", ["fa1#1"]),
        ("executions 1367", ["en#1"]),
        ('"هیئت مرگ" رئیسی', ["fa1#2"]),
        ("رئیسی -مرگ", []),
    ],
)
def test_persian_queries(index: SearchIndex, q: str, expected: list[str]) -> None:
    assert found(index, q) == expected


def test_highlights_inside_persian_text(index: SearchIndex) -> None:
    [hit] = search(index, SearchRequest(q="رئيسي خانواده‌ها")).hits  # typed with Arabic yeh
    assert hit.highlight == (
        # "ها" is a stop word: matched as part of the query, it is not marked
        "ابراهیم <mark>رئیسی</mark> عضو هیئت مرگ بود و <mark>خانواده</mark>\u200cها "
        "بی\u200cخبر ماندند."
    )
    [hit] = search(index, SearchRequest(q="١٣٦٦")).hits
    assert hit.highlight == "كتاب مدرسه و مـــدارك زندان در سال <mark>١٣٦٦</mark> يافت شد."


@pytest.mark.parametrize(
    ("gregorian", "solar"),
    [
        (dt.date(1979, 2, 11), (1357, 11, 22)),  # 22 Bahman 1357
        (dt.date(1988, 3, 20), (1366, 12, 30)),  # 1366 is a leap year
        (dt.date(1988, 3, 21), (1367, 1, 1)),  # Nowruz 1367
        (dt.date(1988, 7, 19), (1367, 4, 28)),
        (dt.date(1989, 3, 20), (1367, 12, 29)),
        (dt.date(2020, 8, 20), (1399, 5, 30)),
        (dt.date(2021, 3, 20), (1399, 12, 30)),  # 1399 is a leap year
        (dt.date(2024, 3, 20), (1403, 1, 1)),
        (dt.date(2025, 3, 21), (1404, 1, 1)),
    ],
)
def test_solar_hijri_conversion(gregorian: dt.date, solar: tuple[int, int, int]) -> None:
    assert to_solar(gregorian) == solar


def test_solar_years_and_labels() -> None:
    assert nowruz(1367) == dt.date(1988, 3, 21)
    assert parse_year_span("۱۳۶۷") == (1367, dt.date(1988, 3, 21), dt.date(1989, 3, 20))
    assert parse_year_span("1988") == (1988, dt.date(1988, 1, 1), dt.date(1988, 12, 31))
    assert [solar_label(d) for d in ("1988-07-19", "1988-07", "1988", "1988-03")] == [
        "1367-04-28", "1367", "1366–1367", "1366–1367",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"year_from": 1367, "year_to": 1367}, ["en#1", "fa1#1"]),  # 21 Mar 1988 - 20 Mar 1989
        ({"year_from": 1366, "year_to": 1366}, ["en#1", "fa2#1"]),  # "1988" reaches into 1366
        ({"year_from": 1988, "year_to": 1988}, ["en#1", "fa1#1", "fa2#1"]),
        ({"year_from": 1367}, ["en#1", "fa1#1"]),
        ({"year_to": 1366}, ["en#1", "fa2#1"]),
        ({"year_from": 1368}, []),
    ],
)
def test_year_filter_in_either_calendar(index: SearchIndex, options: dict, expected) -> None:
    assert found(index, "1367 OR 1366 OR کتاب OR Evin OR زندانیان", **options) == expected


def test_persian_text_is_shown_right_to_left(index: SearchIndex) -> None:
    client = create_app({"INDEX_DIR": index.index_dir}).test_client()
    page = client.get("/search?q=رئیسی").get_data(as_text=True)
    assert '<blockquote class="passage" lang="fa" dir="rtl"' in page
    assert '<bdi class="title" lang="fa">گزارش اعدام‌ها</bdi>' in page
    assert '<html lang="en" dir="ltr">' in page  # the interface itself stays left-to-right
    doc = client.get("/doc/fa1?q=رئیسی").get_data(as_text=True)
    assert '<article class="document" lang="fa" dir="rtl">' in doc
    assert "<mark>رئیسی</mark>" in doc


def test_shipped_corpus_finds_the_persian_translation(tmp_path: Path) -> None:
    build_index(REPO / "corpus", tmp_path / "index")
    index = SearchIndex(tmp_path / "index")
    hits = search(index, SearchRequest(q="هیئت مرگ"), Settings(page_size=50)).hits
    assert [h.doc_id for h in hits] == ["fa/iran-news-update-1988-massacre-accountability"]
    both = {h.doc_id for h in search(index, SearchRequest(q="Raisi"), Settings(page_size=50)).hits}
    assert "fa/iran-news-update-1988-massacre-accountability" in both  # رئیسی is a variant
    assert "iran-news-update-1988-massacre-accountability" in both
