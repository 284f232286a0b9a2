"""A full build's segments, written by one process or by one per core.

The corpus is cut into as many runs of consecutive files as there are workers (by size, so that
they take about as long); each worker process reads its files and writes one segment with
:class:`PassageWriter`, and the index's table of contents lists the segments in corpus order. The
passages are numbered as one process would number them, and Whoosh scores with statistics of the
whole index, not of a segment (its searcher's idf and average lengths come from the top reader;
:mod:`search_app.engine.statistics` covers deletions): the results are those of a build in one
process (``tests/test_parallel.py``).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import TOC, Index

from search_app.config import Settings
from search_app.corpus.loading import Document
from search_app.corpus.metadata import Problem
from search_app.corpus.scanning import CorpusFile
from search_app.engine.documentfields import (
    Progress,
    add_document,
    load_documents,
    manifest_entry,
)
from search_app.engine.lifetime import end_with_parent
from search_app.engine.nameindex import document_forms
from search_app.engine.postings import MAX_POSTINGS_IN_MEMORY
from search_app.engine.segments import NewWriter, PassageWriter
from search_app.names.mentions import MentionFinder

#: Fewer files than this are written in one process: starting workers would cost more.
PARALLEL_FROM = 100

Manifest = dict[str, dict[str, Any]]
#: document id -> the spellings of names it holds (search_app.engine.nameindex)
Forms = dict[str, dict[str, int]]


def default_workers() -> int:
    """One writer process per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


#: New objects between two collections of young reference cycles while a segment is written
#: (Python's default is 700): 7% faster at 88,000 passages, in the same memory.
COLLECT_EVERY = 100_000


@contextmanager
def _rare_cycle_collection() -> Iterator[None]:
    """Collect reference cycles less often: a writer makes millions of lists and tuples that
    live until its segment is written, and Python's collector looked at the young ones every 700
    new objects. Cycles are still collected: a document's parsers leave some (turning the
    collector off let a Markdown build that made a converter per passage grow to 1.9 GB)."""
    threshold = gc.get_threshold()
    gc.set_threshold(COLLECT_EVERY, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


def _add_all(
    writer: Any, documents: Iterator[Document], finder: MentionFinder
) -> tuple[Manifest, Forms]:
    manifest: Manifest = {}
    forms: Forms = {}
    for document in documents:
        lengths = add_document(writer, document, finder)
        manifest[document.doc_id] = manifest_entry(document, lengths)
        forms[document.doc_id] = document_forms(document)
    return manifest, forms


def write_segments(
    ix: Index,
    path: Path,
    files: list[CorpusFile],
    limits: Settings,
    problems: list[Problem],
    progress: Progress | None,
    finder: MentionFinder,
    new_writer: NewWriter = PassageWriter,
    workers: int = 1,
    ocr_progress: Progress | None = None,
) -> tuple[Manifest, Forms]:
    """Write the passages of ``files`` into the new index ``ix`` (in ``path``) and commit it;
    return the manifest entries and the spellings of names of the documents written. Problems
    are appended to ``problems``. Writer processes report ``progress`` as each run of files
    ends, and no ``ocr_progress`` (it is reported in a build of one process)."""
    if workers > 1 and len(files) >= PARALLEL_FROM and new_writer is PassageWriter:
        runs = _runs(files, workers)
        manifest: Manifest = {}
        forms: Forms = {}
        segments = []
        done = 0
        for run, (segment, entries, run_forms, run_problems) in zip(
            runs, _written_in_parallel(path, runs, limits, finder), strict=True
        ):
            segments += [segment] if segment is not None else []
            manifest.update(entries)
            forms.update(run_forms)
            problems.extend(run_problems)
            done += len(run)
            if progress is not None:
                progress(done, len(files))
        TOC(ix.schema, segments, ix.latest_generation() + 1).write(ix.storage, ix.indexname)
        shutil.rmtree(path / f"{ix.indexname}.tmp", ignore_errors=True)  # the writers' (unused)
        return manifest, forms
    writer = new_writer(ix, path)
    with _rare_cycle_collection():
        try:
            manifest, forms = _add_all(
                writer, load_documents(files, limits, problems, progress, ocr_progress), finder
            )
        except BaseException:
            writer.cancel()
            raise
        writer.commit()
    return manifest, forms


def _runs(files: list[CorpusFile], count: int) -> list[list[CorpusFile]]:
    """Cut ``files`` into ``count`` runs of consecutive files of about the same size."""
    sizes = [max(1, file.path.stat().st_size) for file in files]
    total = sum(sizes)
    runs: list[list[CorpusFile]] = [[] for _ in range(count)]
    done = 0
    for file, size in zip(files, sizes, strict=True):
        runs[min(count - 1, done * count // total)].append(file)
        done += size
    return [run for run in runs if run]


def _written_in_parallel(
    path: Path, runs: list[list[CorpusFile]], limits: Settings, finder: MentionFinder
) -> Iterator[tuple[Any, Manifest, Forms, list[Problem]]]:
    """Write each run of files into a segment in a process of its own; yield what
    :func:`_write_run` returns, in the order of the runs."""
    # spawned, not forked: a fork copies whatever the threads of this process held locked
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        len(runs), mp_context=context, initializer=end_with_parent, initargs=(os.getpid(),)
    ) as pool:
        futures = [
            pool.submit(_write_run, str(path), run, limits, finder, len(runs)) for run in runs
        ]
        for future in futures:
            yield future.result()


def _write_run(
    index_path: str, files: list[CorpusFile], limits: Settings, finder: MentionFinder, runs: int
) -> tuple[Any, Manifest, Forms, list[Problem]]:
    """In a worker: write one segment of ``files`` into the index, without committing it (the
    parent lists the segments); return it (``None`` if no file could be read), the manifest
    entries and the problems."""
    ix = whoosh_index.open_dir(index_path)
    problems: list[Problem] = []
    # no index lock (the parent holds the corpus's), and the memory of one pool shared out
    writer = PassageWriter(
        ix, Path(index_path), max_postings=MAX_POSTINGS_IN_MEMORY // runs, _lk=False
    )
    try:
        with _rare_cycle_collection():
            manifest, forms = _add_all(
                writer, load_documents(files, limits, problems, None), finder
            )
            if not manifest:
                writer.cancel()
                return None, manifest, forms, problems
            return writer._finalize_segment(), manifest, forms, problems  # Whoosh's end
    except BaseException:
        writer.cancel()
        raise
    finally:
        ix.close()
