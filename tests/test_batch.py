"""Batch search: the CLI and the page, variants, exact, filters, hostile lines, limits, exports."""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from search_app import create_app
from search_app.cli import main
from search_app.config import Settings
from search_app.engine.batching import name_query, read_lines, run_batch
from search_app.engine.indexing import build_index
from search_app.engine.readers import SearchIndex
from search_app.engine.results import SearchRequest
from tests.conftest import REPO, write_corpus
from tests.test_queries import CORPUS

NAMES = 'Raisi\nPMOI/MEK\n\n# a comment\nNobody Here\n???\n(Ebrahim) AND "Raisi"\nرئیسی\n'


@pytest.fixture(scope="module")
def paths(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("batch")
    files = {**CORPUS, "_variants.txt": CORPUS["_variants.txt"].replace("MEK,", "MEK, PMOI,")}
    write_corpus(root / "corpus", files)
    build_index(root / "corpus", root / "index")
    return root / "corpus", root / "index"


@pytest.fixture(scope="module")
def index(paths) -> SearchIndex:
    return SearchIndex(paths[1])


@pytest.fixture(scope="module")
def client(paths):
    return create_app({"INDEX_DIR": paths[1], "RATE_LIMIT": 0}).test_client()


@pytest.mark.parametrize(
    ("line", "query"),
    [
        ("PMOI/MEK", "PMOI MEK"),
        ('(Ebrahim) AND "Raisi"', "Ebrahim Raisi"),
        ("Tom OR NOT Jerry -x and y", "Tom Jerry x and y"),
        ("Ra'isi", "Ra'isi"),
        ("???", ""),
    ],
)
def test_lines_are_searched_as_names(line: str, query: str) -> None:
    assert name_query(line) == query


def test_reading_lists_and_csv_files() -> None:
    assert [(line.number, line.text) for line in read_lines(NAMES)] == [
        (1, "Raisi"), (2, "PMOI/MEK"), (5, "Nobody Here"), (6, "???"),
        (7, '(Ebrahim) AND "Raisi"'), (8, "رئیسی"),
    ]  # fmt: skip
    table = 'name,role\n"Raisi, Ebrahim",judge\nAvaei,minister\n'
    # issue 15: a CSV file's header row is recognised, not searched
    assert [(line.number, line.text) for line in read_lines(table, table=True)] == [
        (2, "Raisi, Ebrahim"), (3, "Avaei"),
    ]  # fmt: skip
    assert [line.text for line in read_lines("Person,role\nAvaei,x\n", table=True)] == ["Avaei"]
    assert [line.text for line in read_lines("Avaei,minister\n", table=True)] == ["Avaei"]
    assert [line.text for line in read_lines("name\nAvaei\n")] == ["name", "Avaei"]  # not CSV


# Issue 14, item 9: a pasted list whose first line has a comma was read as CSV ("Raisi").
PASTED = "Raisi, Ebrahim\nAvaei, Mostafa\n"


def test_pasted_text_is_one_name_per_line_even_with_commas() -> None:
    assert [line.text for line in read_lines(PASTED)] == ["Raisi, Ebrahim", "Avaei, Mostafa"]


@pytest.mark.parametrize(
    ("filename", "names"),
    [
        ("names.txt", ["Raisi, Ebrahim", "Avaei, Mostafa"]),
        ("names.CSV", ["Raisi", "Avaei"]),
        (None, ["Raisi, Ebrahim", "Avaei, Mostafa"]),  # pasted into the box
    ],
)
def test_page_reads_csv_only_from_a_file_named_csv(client, filename, names) -> None:
    if filename is None:
        data = {"names": PASTED}
    else:
        data = {"file": (io.BytesIO(PASTED.encode()), filename)}
    page = client.post("/batch", data=data, content_type="multipart/form-data").get_data(True)
    cells = re.findall(r'<td data-label="Name" dir="auto">(?:<a href="#line-\d+">)?([^<]*)', page)
    assert sorted(cells) == sorted(names)


@pytest.mark.parametrize(
    ("filename", "options", "first"),
    [
        ("names.txt", [], "Raisi, Ebrahim"),
        ("names.csv", [], "Raisi"),
        ("-", [], "Raisi, Ebrahim"),
        ("-", ["--input-format", "csv"], "Raisi"),
        ("names.csv", ["--input-format", "lines"], "Raisi, Ebrahim"),
    ],
)
def test_cli_reads_csv_from_a_csv_file_or_when_told(
    paths, tmp_path: Path, filename: str, options: list[str], first: str
) -> None:
    corpus, index = paths
    if filename != "-":
        filename = str(tmp_path / filename)
        Path(filename).write_text(PASTED)
    args = ["batch", filename, *options, "--corpus", str(corpus), "--index", str(index)]
    result = CliRunner().invoke(main, [*args, "--json"], input=PASTED)
    assert result.exit_code == 0, result.output
    assert [line["name"] for line in json.loads(result.stdout)["lines"]][0] == first


def test_every_line_is_reported(index: SearchIndex) -> None:
    result = run_batch(index, read_lines(NAMES))
    summary = [(line.number, line.status, line.passages) for line in result.summary]
    assert summary == [
        (2, "found", 3), (1, "found", 2), (8, "found", 2), (7, "found", 1),
        (5, "no hits", 0), (6, "error", 0),
    ]  # fmt: skip
    by_number = {line.number: line for line in result.lines}
    assert by_number[1].variants == (("Raisi", ("Raeisi", "رئیسی")),)
    assert by_number[6].reason == "no words to search (only punctuation or symbols)"
    assert [h.doc_id for h in by_number[7].top] == ["a"]
    # issue 15: a name of several words reports its surname's other passages apart
    assert by_number[7].alone == ("Raisi", 1)
    assert by_number[1].alone is None


def test_exact_and_filters_apply_to_every_line(index: SearchIndex) -> None:
    exact = run_batch(index, read_lines("Raisi\n"), exact=True)
    assert exact.lines[0].passages == 1 and exact.lines[0].variants == ()
    filtered = run_batch(index, read_lines("Raisi\n"), filters=SearchRequest(q="", year_from=2020))
    assert [h.doc_id for h in filtered.lines[0].top] == ["b"]


def test_limits_report_the_rest_as_not_searched(index: SearchIndex) -> None:
    lines = read_lines("Raisi\nMEK\nParis\n")
    result = run_batch(index, lines, limits=Settings(batch_lines=2))
    assert [line.status for line in result.lines] == ["found", "found", "not searched"]
    assert result.stopped == (
        "A batch may have 2 lines; lines after line 2 were not searched. Split the list."
    )
    slow = run_batch(index, lines, limits=Settings(batch_seconds=1e-9))
    assert [line.status for line in slow.lines] == ["not searched"] * 3
    assert slow.stopped.startswith("The batch took longer than 1e-09 s; lines from line 1 on")


def test_a_line_the_parser_refuses_is_reported_with_the_reason(index: SearchIndex) -> None:
    result = run_batch(index, read_lines("x" * 120 + "\n"))
    assert result.lines[0].status == "error"
    assert result.lines[0].reason == (
        "A word of 120 characters is too long to search; the limit is 100."
    )


def test_cli_prints_a_summary_sorted_by_hits(paths) -> None:
    corpus, index = paths
    args = ["batch", "-", "--corpus", str(corpus), "--index", str(index)]
    result = CliRunner().invoke(main, args, input=NAMES)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "passages documents  line  name",
        "       3         2     2  PMOI/MEK",
        "       2         2     1  Raisi",
        "       2         2     8  رئیسی",
        '       1         1     7  (Ebrahim) AND "Raisi"',
        "       0         0     5  Nobody Here",
        "       0         0     6  ???  [not searched: no words to search (only punctuation "
        "or symbols)]",
    ]


def test_cli_csv_and_json(paths, tmp_path: Path) -> None:
    corpus, index = paths
    out = tmp_path / "out.csv"
    args = ["batch", "-", "--corpus", str(corpus), "--index", str(index)]
    result = CliRunner().invoke(main, [*args, "--csv", str(out), "--json", "--exact"], input=NAMES)
    data = json.loads(result.stdout)
    first = data["lines"][0]
    assert (first["name"], first["status"], first["passages"]) == ("Raisi", "found", 1)
    assert first["top"][0]["link"] == "/doc/a#p-2"  # as in downloads: no search words
    assert out.read_text(encoding="utf-8").startswith("\ufeffline,")
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    # exact: no variants, so PMOI/MEK and رئیسی find nothing here
    assert [(r["line"], r["status"], r["rank"]) for r in rows] == [
        ("1", "found", "1"), ("7", "found", "1"), ("2", "no hits", ""), ("5", "no hits", ""),
        ("6", "error", ""), ("8", "no hits", ""),
    ]  # fmt: skip
    assert rows[0]["source"] == "Alpha Watch" and rows[0]["text"].startswith("Ebrahim Raisi")


def test_page_get_permalink(client) -> None:
    page = client.get("/batch?names=" + quote("Raisi\nNobody Here")).get_data(as_text=True)
    assert '<a href="#line-1">Raisi</a>' in page
    assert "Raisi also as Raeisi, رئیسی." in page
    assert '<td data-label="Notes">No passage found' in page
    assert '<a href="/batch?names=Raisi%0ANobody+Here">Link to this batch</a>' in page
    assert "Ebrahim <mark>Raisi</mark> sat" in page


def test_page_post_paste_and_upload(client) -> None:
    pasted = client.post("/batch", data={"names": NAMES}).get_data(as_text=True)
    assert pasted.count('class="status-found"') == 4
    assert "Not searched: no words to search" in pasted
    uploaded = client.post(
        "/batch",
        data={"file": (io.BytesIO(b'name,role\n"Raisi, Ebrahim",judge\nParis,city\n'), "n.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert '<a href="#line-2">Raisi, Ebrahim</a>' in uploaded
    assert '<a href="#line-3">Paris</a>' in uploaded


def test_page_downloads(client) -> None:
    response = client.post("/batch", data={"names": "Raisi\nParis", "format": "csv"})
    assert response.headers["Content-Disposition"] == 'attachment; filename="batch.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert {r["name"] for r in rows} == {"Raisi", "Paris"}
    data = client.get("/batch?names=Raisi&format=json").get_json()
    assert data["lines"][0]["variants"] == [{"word": "Raisi", "also": ["Raeisi", "رئیسی"]}]


@pytest.mark.parametrize(
    ("request_args", "status", "message"),
    [
        ({"query_string": {"names": "x", "format": "pdf"}}, 400, "format must be csv or json"),
        ({"query_string": {"format": "csv"}}, 400, "Give the names to search"),
        ({"query_string": {"names": "x", "from": "nope"}}, 400, "from must be a year"),
        ({"query_string": {}}, 200, "One name or query per line"),
    ],
)
def test_page_errors(client, request_args: dict, status: int, message: str) -> None:
    response = client.get("/batch", **request_args)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_shipped_example_list_finds_every_name(tmp_path: Path) -> None:
    build_index(REPO / "corpus", tmp_path / "index")
    lines = read_lines((REPO / "examples/names-1988-massacre.txt").read_text())
    result = run_batch(SearchIndex(tmp_path / "index"), lines)
    assert [line.text for line in result.lines if line.status != "found"] == []
