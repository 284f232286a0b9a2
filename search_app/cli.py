"""The ``search-app`` command: parse arguments, call the core, print the outcome.

Every command takes ``--corpus`` and ``--index`` (or ``SEARCH_APP_CORPUS`` / ``SEARCH_APP_INDEX``;
a flag wins). Problems go to standard error with the file and the reason; summaries go to
standard output as one line.

Titles, passages and file names come from untrusted files: everything printed goes through
:mod:`search_app.terminal`, so a terminal never obeys an escape sequence hidden in them.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from dataclasses import replace
from functools import partial, wraps
from pathlib import Path
from typing import Any

import click

from search_app.config import Settings, env_name, load_settings
from search_app.corpus.files import load_corpus
from search_app.corpus.intake import IntakeError, add_file, add_folder
from search_app.corpus.metadata import LANGUAGES, SOURCE_TYPES, DocumentError
from search_app.engine.batching import read_lines, run_batch
from search_app.engine.documents import passage_location
from search_app.engine.entities import register_counts, unmentioned
from search_app.engine.exporting import batch_csv, batch_json
from search_app.engine.generations import IndexBusyError, read_generation
from search_app.engine.indexing import IndexReport, StrictModeError, build_index
from search_app.engine.queries import QueryError
from search_app.engine.readers import IndexUnavailable, SearchIndex
from search_app.engine.result_json import result_as_dict
from search_app.engine.results import SearchRequest
from search_app.engine.searching import parse_year, search
from search_app.engine.wording import matches_line
from search_app.names.register import REGISTER_FILE, load_register
from search_app.names.variants import covered_by_keys, load_variants
from search_app.terminal import (
    CommandError,
    TerminalProgress,
    echo,
    highlight_text,
    json_safe,
    one_line,
    print_added,
    print_problems,
    print_skipped,
    summary_line,
)


def with_paths(command: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--corpus`` and ``--index`` to a command and pass it the resulting settings."""

    @click.option(
        "--corpus",
        "corpus_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar=env_name("corpus_dir"),
        help=f"Corpus folder [default: corpus; env: {env_name('corpus_dir')}]",
    )
    @click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar=env_name("index_dir"),
        help=f"Index folder [default: index; env: {env_name('index_dir')}]",
    )
    @wraps(command)
    def wrapper(corpus_dir: Path | None, index_dir: Path | None, **kwargs: Any) -> Any:
        try:
            settings = load_settings({"corpus_dir": corpus_dir, "index_dir": index_dir})
        except ValueError as error:
            raise click.UsageError(str(error)) from None
        return command(settings, **kwargs)

    return wrapper


def run_index(settings: Settings, full: bool = False, strict: bool = False) -> IndexReport:
    """Build or update the index, printing problems and the summary line."""
    progress = TerminalProgress()
    ocr_progress = TerminalProgress(minimum=2, label="OCR of scanned pages")
    try:
        report = build_index(
            settings.corpus_dir,
            settings.index_dir,
            full=full,
            strict=strict,
            limits=settings,
            progress=progress,
            ocr_progress=ocr_progress,
        )
    except StrictModeError as error:
        print_problems(error.problems)
        raise CommandError(f"{error} (--strict): fix the files above") from None
    except (IndexBusyError, DocumentError) as error:
        raise CommandError(str(error)) from None
    finally:
        progress.close()
        ocr_progress.close()
    if report.reason:
        echo(f"{report.reason.split(':')[0]}; rebuilt it.", err=True)
    print_problems(report.problems)
    echo(summary_line(report))
    if report.ocr_pages_deleted:
        pages = report.ocr_pages_deleted
        echo(f"Deleted the OCR text of {pages} pages that no file in the corpus uses now.")
    return report


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="search_app")
def main() -> None:
    """Search a corpus of documents passage by passage, with sources and links."""


@main.command("index")
@with_paths
@click.option("--full", is_flag=True, help="Rebuild everything into a new generation.")
@click.option("--strict", is_flag=True, help="Fail, writing nothing, if any file has a problem.")
def index_command(settings: Settings, full: bool, strict: bool) -> None:
    """Build the index, or update it with the files that changed."""
    run_index(settings, full=full, strict=strict)


@main.command()
@with_paths
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64))
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes (one per CPU core serves the most searches).",
)
def serve(settings: Settings, host: str, port: int, threads: int, workers: int) -> None:
    """Serve the search page with a production WSGI server (building the index if needed)."""
    from search_app import create_app
    from search_app.web import serving

    if read_generation(settings.index_dir) is None:
        echo(f"No usable index in {settings.index_dir}/ yet: building it now.", err=True)
        run_index(settings)
    app = create_app({"CORPUS_DIR": settings.corpus_dir, "INDEX_DIR": settings.index_dir})
    access = logging.getLogger("search_app.access")
    access.setLevel(logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access.addHandler(handler)
    access.propagate = False  # one line per request, not one more from the root logger
    processes = f" with {workers} worker processes" if workers > 1 else ""
    echo(f"Serving on http://{host}:{port}/{processes} (Ctrl+C to stop)")
    if settings.public_url:
        echo(f"Links in citations and downloads start with {settings.public_url}/")
    else:
        own = f"http://{serving.own_name(host)}:{port}/"
        echo(
            f"Links in citations and downloads start with {own}: set "
            f"{env_name('public_url')} to the address your readers use"
        )
    serving.serve(app, host, port, threads, workers, settings.header_seconds)


def _cli_link(
    doc_id: str, passage: int, q: str | None, exact: bool = False, public_url: str = ""
) -> str:
    """Link to a passage: absolute when the site's public address is set, else its path."""
    return f"{public_url}/doc/{passage_location(doc_id, passage, q, exact)}"


@main.command("search")
@with_paths
@click.argument("query")
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--exact", is_flag=True, help="Match words as written: no stemming, no variants.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON instead of text.")
def search_command(settings: Settings, query: str, limit: int, exact: bool, as_json: bool) -> None:
    """Search the index and print the matching passages."""
    limits = replace(settings, page_size=limit)
    request = SearchRequest(q=query, exact=exact)
    try:
        result = search(SearchIndex.from_settings(settings), request, limits)
    except (QueryError, IndexUnavailable) as error:
        raise CommandError(str(error)) from None
    link = partial(_cli_link, exact=exact, public_url=settings.public_url)
    if as_json:
        echo(json_safe(json.dumps(result_as_dict(result, link), ensure_ascii=False, indent=2)))
        return
    echo(
        f"{matches_line(result.total, result.documents)} {query!r}"
        + (f"; showing {len(result.hits)}" if result.hits else "")
    )
    for word, also in result.variants:
        echo(f"Also searched for {word}: {', '.join(also)}")
    for note in result.notes:
        echo(note)
    if result.suggestion:
        echo(f"Did you mean: {result.suggestion}")
    for number, hit in enumerate(result.hits, start=1):
        parts = (hit.source, hit.title, hit.date, f"p. {hit.page}" if hit.page else None)
        label = one_line(" · ".join(part for part in parts if part))
        echo(f"\n{number}. {label}\n   {link(hit.doc_id, hit.passage, query)}")
        click.echo("   " + highlight_text(hit.highlight).replace("\n", "\n   "))  # made safe


@main.command()
@with_paths
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@click.option("--csv", "csv_out", type=click.File("w", encoding="utf-8"), help="Write CSV here.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--exact", is_flag=True, help="Match words as written: no stemming, no variants.")
@click.option(
    "--input-format",
    type=click.Choice(["lines", "csv"]),
    help="How to read FILE [default: csv for a file named .csv, else one name per line].",
)
@click.option("--source", help="Only passages from this source.")
@click.option("--source-type", type=click.Choice(SOURCE_TYPES), help="Only this kind of source.")
@click.option("--language", type=click.Choice(LANGUAGES), help="Only passages in this language.")
@click.option("--from", "year_from", help="From this year (Gregorian, or Solar Hijri 1200-1499).")
@click.option("--to", "year_to", help="To this year.")
def batch(
    settings: Settings,
    file: Any,
    csv_out: Any,
    as_json: bool,
    exact: bool,
    input_format: str | None,
    year_from: str | None,
    year_to: str | None,
    **filters: str | None,
) -> None:
    """Search every name or query in FILE (one per line; CSV: the first column of each row).

    Each line is searched as a name, with the variants list applied; every line is reported, with
    its hits, with none, or with the reason it could not be searched. Use - to read standard input.
    """
    try:
        request = SearchRequest(
            q="",
            year_from=parse_year(year_from, "--from"),
            year_to=parse_year(year_to, "--to"),
            **filters,
        )
        result = run_batch(
            SearchIndex.from_settings(settings),
            read_lines(file.read(), table=(input_format or _format_of(file)) == "csv"),
            exact=exact,
            filters=request,
            limits=settings,
        )
    except (QueryError, IndexUnavailable) as error:
        raise CommandError(str(error)) from None

    def link(doc_id: str, passage: int, q: str) -> str:  # as in downloads: no query by default
        shown = q if settings.citation_query else None
        return _cli_link(doc_id, passage, shown, exact, settings.public_url)

    if csv_out is not None:
        csv_out.write(batch_csv(result, link))
    if as_json:
        echo(json_safe(batch_json(result, link)))
        return
    echo(f"{'passages':>8} {'documents':>9}  line  name")
    for line in result.summary:
        note = {"error": f"  [not searched: {line.reason}]", "not searched": "  [not searched]"}
        echo(
            f"{line.passages:>8} {line.documents:>9}  {line.number:>4}  {one_line(line.text)}"
            + one_line(note.get(line.status, ""))
        )
    if result.stopped:
        echo(result.stopped, err=True)


def _format_of(file: Any) -> str:
    """A file named .csv is a table; anything else, standard input included, a list of lines."""
    return "csv" if str(getattr(file, "name", "")).lower().endswith(".csv") else "lines"


@main.command()
@with_paths
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--title", help="The document's title (not for a folder).")
@click.option("--source", help="Who published it: the label shown on every passage.")
@click.option("--source-type", type=click.Choice(SOURCE_TYPES), help="What kind of source.")
@click.option("--date", help="Publication date: 2020-08-20, 2020-08 or 2020.")
@click.option("--url", help="Where the original lives (http or https).")
@click.option(
    "--language", type=click.Choice(LANGUAGES), help="Language of the text [told from the text]."
)
@click.option(
    "--name", help="Path inside the corpus [default: the file's or the folder's own name]."
)
def add(settings: Settings, file: Path, name: str | None, **fields: str | None) -> None:
    """Copy FILE (or every document in the folder FILE) into the corpus with its metadata, then
    update the index."""
    try:
        if file.is_dir():
            report = add_folder(file, settings.corpus_dir, fields, name=name, limits=settings)
            added = report.added
        else:
            added = [add_file(file, settings.corpus_dir, fields, name=name, limits=settings)]
            report = None
            for skipped in added[0].skipped:
                print_skipped(skipped)
    except (IntakeError, DocumentError) as error:
        raise CommandError(str(error)) from None
    for document in added:
        print_added(settings.corpus_dir, document)
    if report is not None:
        for skipped in report.skipped:
            print_skipped(skipped)
        echo(f"{len(report.added)} added, {len(report.skipped)} skipped")
        if not report.added:
            return
    try:
        run_index(settings)
    except click.ClickException as error:
        raise CommandError(
            f"the file was added, but the index was not updated: {error.message} "
            "Then run `search-app index`."
        ) from None


@main.command()
@with_paths
def check(settings: Settings) -> None:
    """Validate the corpus without indexing; exit 1 if any file has a problem."""
    try:
        corpus = load_corpus(settings.corpus_dir, settings)
    except DocumentError as error:
        raise CommandError(str(error)) from None
    variants, variant_problems = load_variants(settings.corpus_dir)
    register, register_problems = load_register(settings.corpus_dir)
    problems = sorted(
        [*corpus.problems, *variant_problems, *register_problems], key=lambda p: p.path
    )
    print_problems(problems)
    unnamed = list(unmentioned(register, corpus.documents))
    for entry in unnamed:
        click.echo(
            f"warning: {REGISTER_FILE}: {entry.name} ({entry.slug}) is named in no document: "
            "check its spellings, or remove it",
            err=True,
        )
    for note in covered_by_keys(variants):
        echo(f"note: {note.path}: {note.reason} (the line may go)")
    for warning in corpus.warnings:
        echo(f"warning: {one_line(warning.path)}: {one_line(warning.reason)}", err=True)
    passages = sum(len(document.passages) for document in corpus.documents)
    warnings = len(corpus.warnings) + len(unnamed)
    echo(
        f"{len(corpus.documents)} documents ({passages} passages) are valid; "
        f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"
        + (f", {warnings} warning{'' if warnings == 1 else 's'}" if warnings else "")
    )
    if problems:
        raise SystemExit(1)


@main.command("entities")
@with_paths
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def entities_command(settings: Settings, as_json: bool) -> None:
    """List the register of names, with how many passages name each entry."""
    try:
        named = register_counts(SearchIndex.from_settings(settings))
    except IndexUnavailable as error:
        raise click.ClickException(str(error)) from None
    if as_json:
        rows = [
            {"id": n.entry.slug, "name": n.entry.name, "kind": n.entry.kind, "passages": n.count}
            for n in named
        ]
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not named:
        click.echo(f"The index has no register of names: add {REGISTER_FILE} to the corpus.")
        return
    for n in named:
        click.echo(f"{n.entry.kind:<13} {n.count:>6}  {n.entry.name} ({n.entry.slug})")
