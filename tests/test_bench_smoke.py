"""Smoke runs of the benchmarks on tiny collections made here, so that they cannot rot.

The real runs read ../shared/data; the test suite never does."""

from __future__ import annotations

import json
from pathlib import Path

from bench import relevance


def write_beir(folder: Path) -> Path:
    docs = [
        ("d1", "Evin prison", "The death commission met in Evin prison in the summer."),
        ("d2", "Mass graves", "Families found mass graves near Khavaran cemetery."),
        ("d3", "Unrelated", "A report on weather and rainfall in the north."),
    ]
    folder.mkdir(parents=True)
    (folder / "corpus.jsonl").write_text(
        "\n".join(json.dumps({"_id": i, "title": t, "text": x}) for i, t, x in docs)
    )
    (folder / "queries.jsonl").write_text(
        "\n".join(
            json.dumps({"_id": i, "text": t})
            for i, t in [("q1", "Who met in Evin prison?"), ("q2", "Where are the graves?")]
        )
    )
    (folder / "qrels").mkdir()
    (folder / "qrels" / "train.tsv").write_text(
        "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t1\n"
    )
    return folder


def test_relevance_benchmark_runs_end_to_end(tmp_path: Path, capsys) -> None:
    results = relevance.main(
        ["--collection", "scifact", "--scifact", str(write_beir(tmp_path / "b"))]
    )
    scores = results["scifact"]
    assert (scores["queries"], scores["documents"]) == (2, 3)
    assert scores["nDCG@10"] == 1.0 and scores["Recall@100"] == 1.0
    assert "| scifact | 2 | 3 | 1.000 | 1.000 |" in capsys.readouterr().out


def test_cranfield_format_is_read_by_position(tmp_path: Path) -> None:
    folder = tmp_path / "cran"
    folder.mkdir()
    (folder / "cran.all.1400").write_text(
        ".I 1\n.T\nwing flutter\n.A\nx\n.B\ny\n.W\nflutter of wings .\n"
        ".I 2\n.T\nheat\n.W\nheat transfer .\n"
    )
    (folder / "cran.qry").write_text(".I 001\n.W\nflutter ?\n.I 004\n.W\nheat ?\n")
    (folder / "cranqrel.q001-112").write_text("1 1 2\n2 2 -1\n2 1 4\n")
    collection = relevance.load_cranfield(folder)
    assert collection.documents == {
        "1": ("wing flutter", "flutter of wings ."),
        "2": ("heat", "heat transfer ."),
    }
    assert collection.queries == {"1": "flutter ?", "2": "heat ?"}  # by position, not .I
    assert collection.judgments == {"1": {"1": 3.0}, "2": {"2": 0.0, "1": 1.0}}


def test_any_word_query_cannot_be_read_as_syntax() -> None:
    assert relevance.any_word_query('AND "title": (x) NOT y*') == "and OR title OR x OR not OR y"


def test_scale_benchmark_smoke_run() -> None:
    from bench import scale

    [row] = scale.main(["--smoke", "--before", "DOCUMENT_WEIGHT=0", "--before", "BM25_B=0.75"])
    assert (row["documents"], row["passages"]) == (40, 200)
    measures = (
        "full build s", "ours p50 ms", "ours new-word p50 ms", "FTS5 p50 ms", "ours req/s 8c",
        "ours RSS MB", "ours 2 workers req/s 8c", "ours 2 workers RSS MB", "before p50 ms",
        "after p50 ms",
    )  # fmt: skip
    for measure in measures:
        assert row[measure] > 0, measure
    assert row["ours 2 workers RSS MB"] > row["ours RSS MB"]  # the workers are counted too


def test_entities_benchmark_smoke_run() -> None:
    from bench import entities

    row = entities.main(["--smoke"])
    assert row["passages"] == 200
    for measure in ("build s without", "build s with", "p50 ms without", "p50 ms with"):
        assert row[measure] > 0, measure


def test_the_benchmark_register_is_made_of_the_corpus_names() -> None:
    from bench import entities

    documents = [("a", "S", "T", "Device Tree nodes. The Device Tree holds Linux drivers. Linux")]
    register = json.loads(entities.register_of(documents))
    assert [(e["name"], e["id"]) for e in register] == [
        ("Linux", "e0-linux"),
        ("Device Tree", "e1-device-tree"),
    ]


def write_cranfield(folder: Path) -> Path:
    folder.mkdir(parents=True)
    (folder / "cran.all.1400").write_text(
        ".I 1\n.T\nwing flutter\n.W\nflutter of wings at speed .\n"
        ".I 2\n.T\nheat\n.W\nheat transfer in a duct .\n"
        ".I 3\n.T\nshock\n.W\nshock waves in a nozzle .\n"
    )
    (folder / "cran.qry").write_text(
        ".I 001\n.W\nwing flutter ?\n.I 002\n.W\nduct heat ?\n.I 004\n.W\nnozzle shock ?\n"
    )
    (folder / "cranqrel.q001-112").write_text("1 1 1\n2 2 2\n3 3 1\n")
    return folder


def test_ranking_benchmark_cross_validates_and_runs_the_slice_once(tmp_path: Path, capsys) -> None:
    from bench import ranking

    scores = tmp_path / "scores.json"
    arguments = [
        "--scifact", str(write_beir(tmp_path / "b")),
        "--cranfield", str(write_cranfield(tmp_path / "cran")),
        "--scores", str(scores),
    ]  # fmt: skip
    ranking.main([*arguments, "--final", "B=0.4 K1=0.7 title=0.3 document=0.5"])
    out = capsys.readouterr().out
    assert "SciFact train: 2 queries in 5 folds; Cranfield: 2 development queries" in out
    assert "| BM25, Whoosh defaults, passages (baseline) | 1.000 | 1.000 | 1.000 | 1.000 |" in out
    for protocol in ranking.PROTOCOLS:
        family = "+ document evidence (passage + w × document) (78 settings)"
        assert f"| {family}, out of fold, {protocol} |" in out
    # the slice (query 3) is ranked only by --final, and never kept with the tuning figures
    assert (
        "| B=0.4 K1=0.7 title=0.3 document=0.5 | 1.000 | 1.000 |" in out.split("Cranfield slice")[1]
    )
    kept = json.loads(scores.read_text())
    assert {q for figures in kept.values() for q in figures} == {"q1", "q2", "1", "2"}


def test_heavy_requests_benchmark_smoke_run(capsys) -> None:
    from bench import heavy

    results = heavy.main(["--words", "2000", "--passages", "450"])
    assert results["fuzzy words found (same both ways)"][1] is True
    assert results["suggested words that agree (of 61)"] == 61
    assert results["fuzzy query partial"] is False
    assert json.loads(capsys.readouterr().out)["words"] == 2000


def test_intake_benchmark_runs_end_to_end(capsys) -> None:
    from bench import intake

    results = intake.main(["--pages", "1", "--lines", "4", "--text-pages", "3", "--files", "20"])
    assert results["ocr_en"]["found"] == 1 and results["ocr_fa"]["found"] == 1
    assert results["ocr_en"]["cer"] <= 0.03 and results["ocr_fa"]["cer"] <= 0.08
    assert (results["text_pdf"]["pages"], results["folder"]["added"]) == (3, 20)
    assert results["folder"]["skipped"] == []
    assert "folder of 20 mixed files: 20 added" in capsys.readouterr().out


def test_build_benchmark_smoke_run() -> None:
    from bench import build

    rows = build.main(["--smoke"])
    assert [(row["format"], row["code"]) for row in rows] == [
        (corpus_format, code)
        for corpus_format in ("text", "markdown")
        for code in ("before", "after, 1 process", "after")
    ]
    assert all(row["passages"] == 200 and row["build s"] > 0 for row in rows)


def test_mail_benchmark_smoke_run() -> None:
    from bench import mail

    rows = mail.main(["--smoke"])
    # each message's attachment is a document of its own: twice the documents
    assert [(row["attachments"], row["documents"]) for row in rows] == [(False, 20), (True, 40)]
    assert all(row["build s"] > 0 and row["no-change update s"] > 0 for row in rows)


def test_first_search_benchmark_smoke_run() -> None:
    from bench import first_search

    rows = first_search.main(["--smoke"])
    assert [row["code"] for row in rows] == ["before", "after"]
    assert all(row["new word p95 ms"] > 0 and row["first search ms"] > 0 for row in rows)


def test_pages_benchmark_smoke_run() -> None:
    from bench import pages

    [row] = pages.main(["--smoke"])
    assert row["mix p50 ms"] > 0 and row["mix p95 ms"] >= row["mix p50 ms"]
    assert set(row["phrases, first and second time, ms"]) == set(pages.PHRASES)


def test_build_stages_benchmark_smoke_run() -> None:
    from bench import build_stages

    rows = build_stages.main(["--smoke"])
    assert [row["format"] for row in rows] == ["text", "markdown"]
    for row in rows:
        assert row["passages"] == 200
        assert row["read s"] > 0 and row["build, 1 process s"] > row["read s"]
        # a profiled build compresses posting blocks and stored fields, and pickles them
        assert row["of which zlib s"] > 0 and row["of which pickle s"] > 0
