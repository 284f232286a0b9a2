"""Build and update the index: generations, the atomic switch, incremental updates, locking.

``index/`` holds generations. A full build writes a fresh ``gen-*`` directory and, only once it is
complete, points ``index/CURRENT`` at it with an atomic ``os.replace`` (fsynced), so a build that
dies half-way leaves the previous generation serving. Readers notice the new pointer and open the
new generation. An incremental update compares content hashes with the generation's manifest and
rewrites only the documents that were added, changed or removed; with nothing to do, it writes
nothing. One ``index`` run at a time: a second one is refused with a message.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import Index

from search_app.config import Settings
from search_app.corpus.metadata import Problem
from search_app.corpus.ocr import mark_build_start, prune_cache
from search_app.corpus.reading import ocr_cache_dir
from search_app.corpus.scanning import CorpusFile, Scan, doc_id_of, scan_corpus
from search_app.engine.documentfields import (
    Progress,
    add_document,
    load_documents,
    load_each,
    manifest_entry,
)
from search_app.engine.generations import (
    CURRENT,
    MANIFEST,
    Generation,
    current_generation_name,
    describe_missing,
    fsync_tree,
    index_lock,
    new_generation_dir,
    read_generation,
    remove_old_generations,
    segment_checksums,
    write_atomically,
)
from search_app.engine.mentioning import mention_finder
from search_app.engine.nameindex import document_forms, read_forms, write_name_index
from search_app.engine.parallel import Forms, Manifest, default_workers, write_segments
from search_app.engine.schema import SCHEMA_VERSION, build_schema
from search_app.engine.segments import NewWriter, PassageWriter
from search_app.names.mentions import MentionFinder
from search_app.names.register import Register, load_register
from search_app.names.variants import Variants, load_variants

DEFAULTS = Settings()


class StrictModeError(Exception):
    """``--strict`` was given and the corpus has problems; nothing was written."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(f"{len(problems)} problem(s) in the corpus; nothing was indexed")
        self.problems = problems


@dataclass
class IndexReport:
    """What one ``index`` run did."""

    generation: str
    full: bool
    added: int = 0
    changed: int = 0
    removed: int = 0
    unchanged: int = 0
    documents: int = 0
    passages: int = 0
    problems: list[Problem] = field(default_factory=list)
    reason: str | None = None
    variants_changed: bool = False
    #: pages read by OCR from files that changed or left the corpus, no longer kept
    ocr_pages_deleted: int = 0

    @property
    def wrote(self) -> bool:
        return (
            self.full or self.variants_changed or bool(self.added or self.changed or self.removed)
        )


@dataclass(frozen=True)
class Names:
    """What the index keeps of the corpus's names: variant spellings and the register."""

    variants: Variants
    register: Register

    def finder(self) -> MentionFinder:
        return mention_finder(self.register)


def _write_manifest(
    path: Path, documents: dict[str, dict[str, Any]], names: Names, max_chars: int
) -> None:
    manifest = {
        "schema_version": SCHEMA_VERSION,
        "max_passage_chars": max_chars,
        "updated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "variants": [list(group) for group in names.variants.groups],
        "variants_apart": [list(group) for group in names.variants.apart],
        "register": names.register.as_data(),
        "documents": dict(sorted(documents.items())),
        "segments": segment_checksums(path),
    }
    write_atomically(path / MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))


def build_index(
    corpus_dir: Path,
    index_dir: Path,
    *,
    full: bool = False,
    strict: bool = False,
    limits: Settings = DEFAULTS,
    progress: Progress | None = None,
    new_writer: NewWriter = PassageWriter,
    workers: int | None = None,
    ocr_progress: Progress | None = None,
) -> IndexReport:
    """Bring the index in ``index_dir`` up to date with ``corpus_dir``.

    Builds a new generation when ``full`` is set or no usable generation exists; otherwise
    updates the current one in place, touching only documents whose content hash changed.
    A full build writes with ``workers`` processes (default: one per core) when the corpus is
    large enough; ``new_writer`` makes the writer of a build in one process (tests and
    benchmarks compare writers).

    :raises IndexBusyError: when another run is under way.
    :raises StrictModeError: when ``strict`` is set and any corpus file has a problem.
    :raises DocumentError: when the corpus folder is missing.
    """
    max_chars = limits.max_passage_chars
    with index_lock(index_dir):
        scan = scan_corpus(corpus_dir)
        variants, variant_problems = load_variants(corpus_dir)
        register, register_problems = load_register(corpus_dir)
        names = Names(variants, register)
        problems = [*scan.problems, *variant_problems, *register_problems]
        current = read_generation(index_dir)
        reason = None
        if current is None and current_generation_name(index_dir) is not None:
            reason = describe_missing(index_dir)
        elif current is not None and current.manifest.get("max_passage_chars") != max_chars:
            reason = (
                f"Passages are now cut at {max_chars} characters, not "
                f"{current.manifest.get('max_passage_chars')}: rebuilding the whole index."
            )
            full = True
        elif current is not None and current.register.as_data() != register.as_data():
            reason = (
                "The register of names changed: rebuilding the whole index "
                "(each passage records the names it mentions)."
            )
            full = True
        if strict:
            list(load_documents(scan.files, limits, problems, None))
            if problems:
                raise StrictModeError(sorted(problems, key=lambda p: p.path))
        if full or current is None:
            cache = ocr_cache_dir(limits)  # this index's, unless the settings name another
            own_cache = cache.parent.resolve() == index_dir.resolve()
            started = mark_build_start(cache) if own_cache else None
            failed_before = len(problems)
            build = partial(
                write_segments,
                files=scan.files,
                limits=limits,
                problems=problems,
                progress=progress,
                ocr_progress=ocr_progress,
                new_writer=new_writer,
                finder=names.finder(),
                workers=default_workers() if workers is None else workers,
            )
            report = _build_full(index_dir, build, names, max_chars, current)
            # every file was read (none failed, whose pages would be needed again once it is
            # fixed): what OCR kept and no file used belongs to files changed or gone
            if started is not None and not scan.unreadable and len(problems) == failed_before:
                report.ocr_pages_deleted = prune_cache(cache, started)
        else:
            report = _update(current, scan, names, limits, problems, progress, ocr_progress)
        report.problems = sorted(problems, key=lambda p: p.path)
        report.reason = reason
        return report


def _build_full(
    index_dir: Path,
    build: Callable[[Index, Path], tuple[Manifest, Forms]],
    names: Names,
    max_chars: int,
    previous: Generation | None,
) -> IndexReport:
    path = new_generation_dir(index_dir)
    ix = whoosh_index.create_in(str(path), build_schema())
    try:
        manifest, forms = build(ix, path)
    except BaseException:
        ix.close()
        shutil.rmtree(path, ignore_errors=True)
        raise
    ix.close()
    write_name_index(path, forms)
    fsync_tree(path)  # Whoosh does not fsync: make the files durable before pointing at them
    _write_manifest(path, manifest, names, max_chars)
    write_atomically(index_dir / CURRENT, path.name + "\n")
    keep = {path.name} | ({previous.name} if previous else set())
    remove_old_generations(index_dir, keep)
    return IndexReport(
        generation=path.name,
        full=True,
        added=len(manifest),
        documents=len(manifest),
        passages=sum(entry["passages"] for entry in manifest.values()),
    )


def _update(
    current: Generation,
    scan: Scan,
    names: Names,
    limits: Settings,
    problems: list[Problem],
    progress: Progress | None,
    ocr_progress: Progress | None = None,
) -> IndexReport:
    old = current.documents
    files = scan.files
    attached = _attachments_by_message(old)
    to_load = [file for file in files if not _unchanged(file, old, attached)]
    # an e-mail's attachments read from it stay while it is there (or cannot be read now);
    # once it is read again, those it no longer holds go
    on_disk = {file.doc_id for file in files}
    there = on_disk | scan.unreadable
    there |= {doc_id for file in files for doc_id in attached.get(file.relative_path, ())}
    there |= {
        doc_id
        for message, doc_ids in attached.items()
        if doc_id_of(message) in scan.unreadable
        for doc_id in doc_ids
    }
    removed = sorted(set(old) - there)
    report = IndexReport(generation=current.name, full=False)
    manifest = dict(old)
    if to_load or removed:
        forms = read_forms(current.path)
        ix = whoosh_index.open_dir(str(current.path))
        writer = PassageWriter(ix, current.path, timeout=10.0)
        finder = names.finder()

        def delete(doc_id: str) -> None:
            writer.delete_by_term("doc_id", doc_id)
            del manifest[doc_id]
            forms.pop(doc_id, None)

        try:
            for doc_id in removed:
                delete(doc_id)
            report.removed = len(removed)
            for file, documents in load_each(to_load, limits, problems, progress, ocr_progress):
                failed = len(problems)
                for document in documents:
                    if document.doc_id in old:
                        writer.delete_by_term("doc_id", document.doc_id)
                        report.changed += 1
                    else:
                        report.added += 1
                    lengths = add_document(writer, document, finder)
                    manifest[document.doc_id] = manifest_entry(document, lengths)
                    forms[document.doc_id] = document_forms(document)
                read = {document.doc_id for document in documents}
                if file.doc_id in read and len(problems) == failed:  # read whole, no problem
                    # (a file saved in the attachments' folder may have taken one's id)
                    gone = set(attached.get(file.relative_path, ())) - read - on_disk
                    for doc_id in gone:
                        delete(doc_id)
                    report.removed += len(gone)
        except BaseException:
            writer.cancel()
            ix.close()
            raise
        writer.commit()
        ix.close()
        write_name_index(current.path, forms)
    if to_load or removed or names.variants != current.variants:
        report.variants_changed = names.variants != current.variants
        _write_manifest(current.path, manifest, names, limits.max_passage_chars)
    report.unchanged = len(files) - len(to_load)
    report.documents = len(manifest)
    report.passages = sum(entry["passages"] for entry in manifest.values())
    return report


def _attachments_by_message(old: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """The documents read from e-mails' attachments, by the corpus file they came in."""
    found: dict[str, list[str]] = {}
    for doc_id, entry in old.items():
        if entry.get("message"):
            found.setdefault(entry["message"], []).append(doc_id)
    return found


def _unchanged(
    file: CorpusFile, old: dict[str, dict[str, Any]], attached: dict[str, list[str]]
) -> bool:
    """Tell whether ``file`` is as it was indexed: by its document's hash, or, for an e-mail
    that has no document of its own (no text) but gave attachments, by theirs (the hash of the
    file they came in)."""
    entry = old.get(file.doc_id)
    if entry is not None:
        return bool(entry.get("hash") == file.content_hash)
    doc_ids = attached.get(file.relative_path, ())
    return bool(doc_ids) and all(old[doc_id].get("hash") == file.content_hash for doc_id in doc_ids)
