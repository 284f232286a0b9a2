"""Name keys and the spellings the index groups by them (issue 15)."""

from __future__ import annotations

from pathlib import Path

import pytest

from search_app.engine.readers import SearchIndex
from search_app.engine.results import SearchRequest
from search_app.engine.searching import search
from search_app.names.keys import name_keys, same_name
from search_app.names.spellings import name_forms
from tests.conftest import indexed


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Khomeini", "Khumayni"),
        ("Khomeini", "خمینی"),
        ("Eshraghi", "Ishraqi"),
        ("Qezel Hesar", "Ghezelhesar"),
        ("Ghezel Hessar", "قزل‌حصار"),
        ("Mohseni-Ejei", "Mohseni Ezhei"),
        ("Gohar Dasht", "گوهردشت"),
        ("Raeesi", "رئیسی"),
        ("رئیسی", "رییسی"),
        ("Mashhad", "Meshed"),
        ("Ladjevardi", "لاجوردی"),
        ("Khamenehi", "خامنه‌ای"),
    ],
)
def test_spellings_of_one_name_meet(a: str, b: str) -> None:
    assert same_name(a, b)
    assert same_name(b, a)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Tabrizi", "Tabriz"),
        ("Hosseini", "Hossein"),
        ("Mashhadi", "مشهد"),
        ("Khomeinishahr", "Khomeini"),
        ("Khomeini", "Khamenei"),
        ("Rajaei", "رجوی"),
        ("Mohammad", "Mahmoud"),
    ],
)
def test_derived_and_neighbouring_names_stay_apart(a: str, b: str) -> None:
    assert not same_name(a, b)


def test_a_key_is_a_skeleton_and_vowel_classes() -> None:
    assert [k.skeleton for k in name_keys("Tabrizi")] == ["TBRZ$"]
    assert [k.skeleton for k in name_keys("موسوی")] == ["MSV$", "MVSV$"]  # و read both ways
    assert name_keys("...") == ()


def test_name_forms_are_capitalised_mid_sentence_or_joined_persian() -> None:
    forms = name_forms("The court heard Gohar Dasht guards. Prison staff. قزل‌حصار")
    assert forms == {"gohar": 1, "dasht": 1, "gohar dasht": 1, "قزل‌حصار": 1}


def _page(index: SearchIndex, q: str, **options):
    return search(index, SearchRequest(q=q, **options))


def test_a_search_finds_every_spelling_the_index_groups(tmp_path: Path) -> None:
    body = "---\ntitle: {0}\nsource: S\nlanguage: {1}\n---\n\nThe guards said that {2} was there.\n"
    index = indexed(
        tmp_path,
        {
            "a.md": body.format("a", "en", "Montazeri"),
            "b.md": body.format("b", "en", "Montazari"),
            "c.md": body.format("c", "fa", "منتظری"),
            "d.md": body.format("d", "en", "Tabrizi"),
            "e.md": body.format("e", "en", "Tabriz"),
        },
    )
    page = _page(index, "Montazari")
    assert [hit.doc_id for hit in page.hits] == ["b", "a", "c"]  # as typed first
    assert page.variants == (("Montazari", ("montazeri", "منتظری")),)
    assert [hit.doc_id for hit in _page(index, "Tabriz").hits] == ["e"]
    assert [hit.doc_id for hit in _page(index, "Montazari", exact=True).hits] == ["b"]


def test_a_keep_apart_line_splits_what_keys_join(tmp_path: Path) -> None:
    body = "---\ntitle: {0}\nsource: S\n---\n\nThe guards said that {1} was there.\n"
    files = {"a.md": body.format("a", "Montazeri"), "b.md": body.format("b", "Montazari")}
    files["_variants.txt"] = "! Montazeri, Montazari\n"
    index = indexed(tmp_path, files)
    assert [hit.doc_id for hit in _page(index, "Montazari").hits] == ["b"]


def test_check_names_list_lines_the_keys_already_cover(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from search_app.cli import main

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.md").write_text("---\ntitle: A\nsource: S\n---\n\nText.\n", encoding="utf-8")
    (corpus / "_variants.txt").write_text(
        "Khomeini, Khomeyni, خمینی\nUrmia, Orumieh\n! Hossein, Hassan\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["check", "--corpus", str(corpus)])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "note: _variants.txt:1: the name keys already join these spellings (the line may go)",
        "1 documents (1 passages) are valid; 0 problems",
    ]


SPELLINGS_CORPUS = {
    "a.md": "---\ntitle: A\nsource: S\n---\n\nThe court heard that Montazeri objected.\n",
    "b.md": "---\ntitle: B\nsource: S\n---\n\nThe court heard that Montazari objected.\n\n"
    "Again Montazari wrote.\n",
    "c.md": "---\ntitle: C\nsource: S\nlanguage: fa\n---\n\nمنتظری گفت.\n",
    "_variants.txt": "Montazeri, Ayatollah Montazeri\n",
}


def test_spellings_page_lists_each_spelling_with_its_passages(tmp_path: Path) -> None:
    from search_app import create_app
    from search_app.engine.indexing import build_index
    from tests.conftest import write_corpus

    write_corpus(tmp_path / "corpus", SPELLINGS_CORPUS)
    build_index(tmp_path / "corpus", tmp_path / "index")
    client = create_app({"INDEX_DIR": tmp_path / "index", "RATE_LIMIT": 0}).test_client()
    page = client.get("/spellings?word=Montazeri").get_data(as_text=True)
    rows = [
        ("Montazeri", "1", "as typed"),
        ("Ayatollah Montazeri", "0", "variants list"),
        ("montazari", "2", "name key"),
        ("منتظری", "1", "name key"),
    ]
    for text, count, origin in rows:
        assert f">{text}</a></td>\n      <td>{count}</td>\n      <td>{origin}</td>" in page
    assert '<code dir="auto">! Montazeri, Ayatollah Montazeri</code>' in page
    results = client.get("/search?q=Montazari").get_data(as_text=True)
    assert '<a href="/spellings?word=Montazari">Spellings of Montazari</a>' in results
    assert client.get("/spellings").status_code == 400
    assert "Give the word whose spellings" in client.get("/spellings?word=").get_data(as_text=True)


@pytest.mark.parametrize(
    ("typed", "also"),
    [
        ("Gohar Dasht", ("Gohardasht", "گوهردشت")),
        ("Gohardasht", ("Gohar Dasht", "گوهردشت")),
        ("People's Mojahedin Organization of Iran", ("MEK",)),
        ("MEK", ("People's Mojahedin Organization of Iran",)),
    ],
)
def test_every_spelling_of_a_list_group_expands(typed: str, also: tuple[str, ...]) -> None:
    from search_app.engine.queries import parse, stems
    from search_app.names.spellings import NameLookup
    from search_app.names.variants import parse_variants

    variants, _ = parse_variants(
        "Gohardasht, Gohar Dasht, گوهردشت\nMEK, People's Mojahedin Organization of Iran\n"
    )
    parsed = parse(typed, variants=NameLookup(variants.lookup_table(stems)))
    assert parsed.variants == ((typed, also),)


def test_an_update_regroups_the_spellings(tmp_path: Path) -> None:
    from search_app.engine.indexing import build_index
    from tests.conftest import write_corpus

    body = "---\ntitle: {0}\nsource: S\n---\n\nThe guards said that {1} was there.\n"
    corpus = write_corpus(tmp_path / "corpus", {"a.md": body.format("a", "Lajevardi")})
    build_index(corpus, tmp_path / "index")
    index = SearchIndex(tmp_path / "index")
    assert _page(index, "Lajevardi").variants == ()
    (corpus / "b.md").write_text(body.format("b", "Ladjevardi"), encoding="utf-8")
    assert build_index(corpus, tmp_path / "index").added == 1  # an update, not a rebuild
    page = _page(index, "Lajevardi")
    assert [hit.doc_id for hit in page.hits] == ["a", "b"]
    assert page.variants == (("Lajevardi", ("ladjevardi",)),)
    (corpus / "b.md").unlink()
    assert build_index(corpus, tmp_path / "index").removed == 1
    assert _page(index, "Lajevardi").variants == ()


def test_persian_spellings_differing_in_hamza_join_without_a_latin_one(tmp_path: Path) -> None:
    body = "---\ntitle: {0}\nsource: S\nlanguage: fa\n---\n\n{1} آنجا بود.\n"
    index = indexed(
        tmp_path,
        {"a.md": body.format("a", "رئیسی"), "b.md": body.format("b", "رییسی"),
         "c.md": body.format("c", "رسی")},
    )  # fmt: skip
    page = _page(index, "رئیسی")
    assert [hit.doc_id for hit in page.hits] == ["a", "b"]
    assert page.variants == (("رئیسی", ("رییسی",)),)
