"""Whole-passage analysis gives exactly the terms, counts, weights and positions of Whoosh's."""

import random

import pytest

from search_app.engine.analysis import persian_analyzer
from search_app.engine.schema import build_schema
from search_app.engine.termcounts import field_terms

SCHEMA = build_schema()
TEXT_FIELDS = ["text", "text_exact", "title", "title_exact", "source"]

SAMPLES = [
    "The Death Commission sent thousands of prisoners to their deaths in the summer of 1988.",
    "Ra'isi, Ra’isi and Raisi; Khomeini’s decree; the U.S. asked; e.g. and i.e. too.",
    "Mojāhedin MOJAHEDIN mojahedin Çelik naïve façade Straße İstanbul ǅemal ﬁnal",
    'ab*cd wild* -excluded "quoted phrase" (grouped) title:word x y z a I',
    "In 1367 (۱۳۶۷ or ١٣٦٧) the prisons of Evin and Gohardasht were emptied.",
    "اعدامِ زندانیان سیاسی در تابستان ۱۳۶۷ به دستور خمینی انجام شد.",
    "خانواده‌ها می‌گویند که هیأت مرگ، رئیسی و نیری، حکم صادر کردند",
    "كتاب ي ك ۀ ة أ إ مـــدارک  ـــ  ً ٌ  ٰ",  # Arabic letters, tatweel, marks alone
    "running runs ran runner's the a an of and but ' ’ `` '' U.N.'s 3.14 v1.2.3",
    "ZWNJ\u200cjoined and \u200c alone, combining e\u0301 and \u0301 alone, 12\u066034",
    "",
    "   \n\n\t  ",
]


def _random_texts(count: int) -> list[str]:
    rng = random.Random(19)
    alphabet = (
        "abcdeéĀāXYZ  ..''’`-_*0123456789"
        "ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیيكۀةأإ"
        "\u064b\u064e\u0650\u0651\u0670\u0640\u200c\u0300\u06f1\u0661"
    )
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, 120))) for _ in range(count)]


@pytest.mark.parametrize("fieldname", TEXT_FIELDS)
def test_every_text_field_is_read(fieldname: str) -> None:
    assert field_terms(SCHEMA[fieldname]) is not None


@pytest.mark.parametrize("fieldname", TEXT_FIELDS)
def test_postings_equal_whooshs_analysis(fieldname: str) -> None:
    field = SCHEMA[fieldname]
    terms = field_terms(field)
    assert terms is not None
    for text in SAMPLES + _random_texts(400):
        expected = sorted(field.index(text))
        # twice: the second time every word comes from memory
        assert sorted(terms.postings(text)) == expected, text
        assert sorted(terms.postings(text)) == expected, text


def test_positions_count_every_word_as_whoosh_does() -> None:
    field = SCHEMA["text_exact"]
    terms = field_terms(field)
    assert terms is not None
    found = terms.positions("Raisi met Ra'isi; the commission met RAISI.")
    assert found == {"raisi": [0, 2, 6], "met": [1, 5], "the": [3], "commission": [4]}
    decode = field.format.decode_positions
    for text in SAMPLES:
        for term, _freq, _weight, value in field.index(text):
            assert terms.positions(text)[term.decode("utf-8")] == decode(value)


def test_stemmed_fields_drop_stop_words_and_single_letters() -> None:
    terms = field_terms(SCHEMA["text"])
    assert terms is not None
    assert terms.counts("The commissions of the commission; a I x و در اعدام") == {
        "commiss": 2,
        "اعدام": 1,
    }


def test_a_chain_with_other_parts_is_left_to_whoosh() -> None:
    from whoosh.fields import ID, TEXT

    assert field_terms(ID()) is None
    # positions around stop words are renumbered by Whoosh: not read here
    assert field_terms(TEXT(analyzer=persian_analyzer(), phrase=True)) is None
    assert field_terms(TEXT(analyzer=persian_analyzer(), phrase=False)) is not None


def test_fields_sharing_their_split_words_each_get_their_own_terms() -> None:
    shared: list = []
    terms = {name: field_terms(SCHEMA[name], shared) for name in TEXT_FIELDS}
    assert len(shared) == 1  # one tokenizer and folding for all five fields
    texts = SAMPLES + _random_texts(100)
    # each field asks in turn, in both orders, as passages and their titles alternate
    for names in (TEXT_FIELDS, TEXT_FIELDS[::-1]):
        for text in texts:
            for name in names:
                expected = sorted(SCHEMA[name].index(text))
                assert sorted(terms[name].postings(text)) == expected, (name, text)


def test_stemming_a_field_with_positions_merges_the_positions_of_its_forms() -> None:
    from whoosh.analysis import StemFilter
    from whoosh.fields import TEXT

    from search_app.engine.analysis import exact_analyzer

    field = TEXT(analyzer=exact_analyzer() | StemFilter(), phrase=True)
    terms = field_terms(field)
    assert terms is not None
    text = "executions executed the execution; runs run"
    assert terms.positions(text) == {"execut": [0, 1, 3], "the": [2], "run": [4, 5]}
    for sample in [text, *SAMPLES, *_random_texts(100)]:
        assert sorted(terms.postings(sample)) == sorted(field.index(sample)), sample
