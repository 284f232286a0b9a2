import os
import subprocess
import sys
from pathlib import Path

import pytest

from search_app.config import Settings, load_settings
from search_app.engine.ranking import weighting


def test_defaults() -> None:
    assert load_settings(environ={}) == Settings()


def test_environment_then_overrides() -> None:
    environ = {"SEARCH_APP_INDEX": "/srv/ix", "SEARCH_APP_PAGE_SIZE": "25"}
    settings = load_settings({"page_size": 5}, environ=environ)
    assert (settings.index_dir, settings.page_size) == (Path("/srv/ix"), 5)


@pytest.mark.parametrize(
    ("environ", "overrides", "message"),
    [
        ({"SEARCH_APP_PAGE_SIZE": "ten"}, {}, "SEARCH_APP_PAGE_SIZE='ten' is not a valid int"),
        ({"SEARCH_APP_PAGE_SIZE": "0"}, {}, "SEARCH_APP_PAGE_SIZE must be 1 or more, not 0"),
        ({}, {"per_document": -1}, "SEARCH_APP_PER_DOCUMENT must be 1 or more, not -1"),
        ({}, {"colour": "red"}, "unknown setting 'colour'"),
    ],
)
def test_bad_settings_are_refused(environ: dict, overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_settings(overrides, environ=environ)


def test_the_core_imports_neither_flask_nor_click() -> None:
    code = (
        "import sys, search_app.corpus, search_app.names, search_app.engine; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'click')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout == "[]\n"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("BM25_B", "2"),
        ("BM25_K1", "abc"),
        ("TITLE_BOOST", "-1"),
        ("BM25_K1", "nan"),
        ("DOCUMENT_WEIGHT", "-0.5"),
        ("DOCUMENT_WEIGHT", "101"),
    ],
)
def test_a_ranking_setting_out_of_range_is_refused_by_name(
    name: str, value: str, tmp_path: Path
) -> None:
    env = {**os.environ, f"SEARCH_APP_{name}": value}
    done = subprocess.run(
        [sys.executable, "-m", "search_app", "search", "x", "--index", str(tmp_path)],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode != 0
    assert f"SEARCH_APP_{name}" in done.stderr
    assert "Traceback" not in done.stderr


def test_ranking_settings_reach_the_scoring_model() -> None:
    settings = load_settings(
        environ={
            "SEARCH_APP_BM25_B": "0",
            "SEARCH_APP_BM25_K1": "1.5",
            "SEARCH_APP_DOCUMENT_WEIGHT": "0",
        }
    )
    assert (settings.bm25_b, settings.bm25_k1, settings.title_boost) == (0.0, 1.5, 0.3)
    assert settings.document_weight == 0.0
    model = weighting(settings)
    assert (model.B, model.K1) == (0.0, 1.5)
