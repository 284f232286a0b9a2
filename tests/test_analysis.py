import random

import pytest

from search_app.engine.analysis import stemmed_analyzer


def terms(text: str) -> list[str]:
    return [token.text for token in stemmed_analyzer()(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Death Commissions", ["death", "commiss"]),
        ("Ra'isi Ra’isi Raisi", ["raisi", "raisi", "raisi"]),
        ("Khomeini’s decree", ["khomeini", "decre"]),
        ("Mojāhedin Mojahedin", ["mojahedin", "mojahedin"]),
        ("the U.S. asked", ["u.", "ask"]),  # inner dots keep an abbreviation one term
        ("ab*cd wild*", ["ab", "cd", "wild"]),  # '*' never stays inside a token
        ("1988 massacre", ["1988", "massacr"]),
    ],
)
def test_stemmed_analyzer(text: str, expected: list[str]) -> None:
    assert terms(text) == expected


def test_stemmed_forms_are_the_stemmed_analyzers_terms_with_stop_words_kept() -> None:
    from search_app.engine.analysis import STEMMED, exact_words, stemmed_form

    rng = random.Random(67)
    alphabet = "abcdeéĀāXYZ  ..''’`-sing ابپتثجچکگیيكۀة\u064b\u0640\u200c۱١"
    texts = [
        "The executions of the prisoners; a I x و در اعدام running runs Ra'isi's U.S. ﬁnal",
        *("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 80))) for _ in range(300)),
    ]
    for text in texts:
        theirs = [
            (t.text, t.startchar, t.endchar)
            for t in STEMMED(text, chars=True, mode="query", removestops=False)
        ]
        ours = [(stemmed_form(word), start, end) for word, start, end in exact_words(text)]
        assert ours == theirs, text
