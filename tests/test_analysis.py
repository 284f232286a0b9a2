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
