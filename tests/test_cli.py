import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from search_app.cli import main


@pytest.fixture
def run(corpus_dir: Path, tmp_path: Path):
    def invoke(*args: str, env: dict | None = None):
        paths = ["--corpus", str(corpus_dir), "--index", str(tmp_path / "index")]
        return CliRunner().invoke(main, [*args, *paths], env=env, catch_exceptions=False)

    return invoke


def gen(tmp_path: Path) -> str:
    return (tmp_path / "index" / "CURRENT").read_text().strip()


def test_index_prints_one_summary_line(run, tmp_path: Path) -> None:
    result = run("index")
    assert result.exit_code == 0
    assert result.stdout == (
        f"Built index {gen(tmp_path)}: 4 documents, 8 passages "
        "(4 added, 0 changed, 0 removed, 0 unchanged)\n"
    )
    again = run("index")
    assert again.stdout == (
        f"Index {gen(tmp_path)} is up to date: 4 documents, 8 passages "
        "(0 added, 0 changed, 0 removed, 4 unchanged)\n"
    )


def test_index_names_bad_files_skips_them_and_succeeds(run, corpus_dir: Path, tmp_path) -> None:
    (corpus_dir / "bad.md").write_text("---\ntitle: T\nsource: S\ndate: 2020-13\n---\nbody\n")
    result = run("index")
    assert result.exit_code == 0
    assert result.stderr == "bad.md: date '2020-13' does not exist\n"
    assert result.stdout.endswith("(4 added, 0 changed, 0 removed, 0 unchanged); 1 file skipped\n")


def test_index_strict_fails_and_writes_nothing(run, corpus_dir: Path, tmp_path: Path) -> None:
    (corpus_dir / "bad.md").write_text("---\ntitle: T\nsource: S\ndate: 2020-13\n---\nbody\n")
    result = run("index", "--strict")
    assert result.exit_code == 1
    assert result.stderr == (
        "bad.md: date '2020-13' does not exist\n"
        "Error: 1 problem(s) in the corpus; nothing was indexed (--strict): fix the files above\n"
    )
    assert not (tmp_path / "index" / "CURRENT").exists()


def test_index_full_makes_a_new_generation(run, tmp_path: Path) -> None:
    run("index")
    first = gen(tmp_path)
    result = run("index", "--full")
    assert result.exit_code == 0 and gen(tmp_path) != first
    assert result.stdout.startswith(f"Built index {gen(tmp_path)}: ")


def test_missing_corpus_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["index", "--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "i")]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        f"Error: corpus folder {tmp_path / 'nope'} does not exist: create it or pass --corpus\n"
    )


def test_search_prints_passages_with_labels_and_links(run) -> None:
    run("index")
    result = run("search", "families")
    assert result.exit_code == 0
    assert result.stdout == (
        "1 passage in 1 document matches 'families'; showing 1\n"
        "\n"
        "1. Test Rights Watch · The Death Commission in Tehran · 2019-06-01\n"
        "   /doc/reports/commission?q=families#p-2\n"
        "   Families were never told where the bodies were buried.\n"
    )


def test_search_json_has_the_api_shape(run) -> None:
    run("index")
    result = run("search", "commission", "--json", "--limit", "1")
    data = json.loads(result.stdout)
    assert (data["query"], data["total"], data["pages"], len(data["results"])) == (
        "commission", 5, 5, 1,
    )  # fmt: skip
    assert set(data["results"][0]) == {
        "doc_id", "passage", "title", "source", "source_type", "date", "language", "url",
        "page", "highlight", "link", "score", "ocr",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("query", "message"),
    [("*x", "Error: Words cannot start with a wildcard (*x): put at least one letter first.\n")],
)
def test_search_errors(run, query: str, message: str) -> None:
    run("index")
    result = run("search", query)
    assert (result.exit_code, result.stderr) == (1, message)


def test_search_without_index_says_what_to_run(run, tmp_path: Path) -> None:
    result = run("search", "families")
    assert result.exit_code == 1
    assert result.stderr == f"Error: No index in {tmp_path / 'index'}/: run `search-app index`.\n"


def test_check_reports_every_problem_and_exits_1(run, corpus_dir: Path) -> None:
    assert run("check").stdout == "4 documents (8 passages) are valid; 0 problems\n"
    (corpus_dir / "a.md").write_text("---\ntitle: T\nsource: S\ndate: 2020-13\n---\nx\n")
    (corpus_dir / "b.txt").write_text("no metadata")
    (corpus_dir / "_variants.txt").write_text("Raisi, Raeisi\nlonely\n")
    result = run("check")
    assert result.exit_code == 1
    assert result.stderr == (
        "_variants.txt:2: a group needs two or more spellings, comma-separated\n"
        "a.md: date '2020-13' does not exist\n"
        "warning: b.txt: no title: shown as its file name; add title: to b.txt.meta.yml\n"
        "warning: b.txt: no source: labelled by its folder 'corpus'; add source: to "
        "b.txt.meta.yml or to a _defaults.yml in its folder\n"
    )
    assert result.stdout == (  # issue 15: a line the name keys already cover is a note
        "note: _variants.txt:1: the name keys already join these spellings (the line may go)\n"
        "5 documents (9 passages) are valid; 2 problems, 2 warnings\n"
    )


def test_check_passes_with_only_warnings(run, corpus_dir: Path) -> None:
    (corpus_dir / "notes/b.txt").write_text("A note without metadata.")
    result = run("check")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning: notes/b.txt: no title: shown as its file name; add title: to b.txt.meta.yml",
        "warning: notes/b.txt: no source: labelled by its folder 'notes'; add source: to "
        "b.txt.meta.yml or to a _defaults.yml in its folder",
    ]
    assert result.stdout == "5 documents (9 passages) are valid; 0 problems, 2 warnings\n"


def test_environment_sets_paths_and_flags_win(corpus_dir: Path, tmp_path: Path) -> None:
    env = {"SEARCH_APP_CORPUS": str(corpus_dir), "SEARCH_APP_INDEX": str(tmp_path / "env-index")}
    result = CliRunner().invoke(main, ["index"], env=env)
    assert result.exit_code == 0 and (tmp_path / "env-index" / "CURRENT").exists()
    result = CliRunner().invoke(main, ["index", "--index", str(tmp_path / "flag")], env=env)
    assert result.exit_code == 0 and (tmp_path / "flag" / "CURRENT").exists()


@pytest.mark.parametrize("command", [[], ["index"], ["serve"], ["search"], ["check"]])
def test_every_command_has_help(command: list[str]) -> None:
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0
    assert result.stdout.startswith("Usage: ")
    if command:
        assert "--corpus" in result.stdout and "--index" in result.stdout


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "search_app", "--help"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("Usage: search-app [OPTIONS] COMMAND [ARGS]...")


def test_search_shows_variants_and_suggestions(run, corpus_dir: Path) -> None:
    (corpus_dir / "_variants.txt").write_text("relatives, kin\n")
    run("index")
    result = run("search", "kin")
    assert result.stdout.splitlines()[:2] == [
        "1 passage in 1 document matches 'kin'; showing 1",
        "Also searched for kin: relatives",
    ]
    result = run("search", "Relatvies")
    assert result.stdout == (
        "0 passages in 0 documents match 'Relatvies'\nDid you mean: Relatives\n"
    )


def test_changed_variants_file_updates_the_index_without_reading_documents(
    run, corpus_dir: Path, tmp_path: Path
) -> None:
    run("index")
    (corpus_dir / "_variants.txt").write_text("relatives, kin\n")
    result = run("index")
    assert result.stdout.startswith(f"Updated index {gen(tmp_path)}: ")
    assert "(0 added, 0 changed, 0 removed, 4 unchanged)" in result.stdout
    assert run("search", "kin").stdout.startswith("1 passage in 1 document matches")
