"""Corpus files read whole: a file's document and, for an e-mail, its attachments'; and the
whole corpus read so.

An e-mail's attachments are documents of their own (``NAME-attachments/FILE`` beside the message,
``attached_to`` it). ``search-app add`` writes them out as files there; for a message copied into
the corpus by hand (a whole folder of e-mails), they are read from the message itself, under the
same ids, so that nothing attached to it is lost. Once that folder exists, its files are the
attachments: one deleted from it stays deleted.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from search_app.config import Settings
from search_app.corpus.defaults import read_defaults
from search_app.corpus.loading import (
    DEFAULTS,
    Document,
    check_size,
    corpus_root,
    load_document,
    time_limit,
)
from search_app.corpus.mail import Attachment, read_attachments
from search_app.corpus.metadata import DocumentError, Problem, parse_yaml, read_text
from search_app.corpus.ocr import OcrProgress
from search_app.corpus.reading import DOCUMENT_SUFFIXES, MAIL_SUFFIXES, UNSUPPORTED
from search_app.corpus.scanning import (
    CorpusFile,
    attachments_folder,
    attachments_written,
    doc_id_of,
    scan_corpus,
)

#: E-mails attached to e-mails (forwarded "as attachments") are read this many deep.
MAX_NESTED_MESSAGES = 4
#: Attachments read from one message, at most.
MAX_ATTACHMENTS = 500
NESTED_TOO_DEEP = (
    f"its attachments are not indexed: e-mails attached inside e-mails are read "
    f"{MAX_NESTED_MESSAGES} deep"
)


def _nesting(file: CorpusFile) -> int:
    """How many e-mails ``file`` is inside (0 for a file of the corpus)."""
    return 0 if file.message is None else 1 + _nesting(file.message)


def _label(file: CorpusFile) -> str:
    """How problems name a file: an attachment as ``MESSAGE › FILE``."""
    if file.message is None:
        return file.relative_path
    return f"{_label(file.message)} › {PurePosixPath(file.relative_path).name}"


def load_file(
    file: CorpusFile, limits: Settings = DEFAULTS, ocr_progress: OcrProgress | None = None
) -> tuple[list[Document], list[Problem]]:
    """Load a corpus file's document and, for an e-mail copied in by hand, those of its
    attachments: each that cannot be loaded is a problem (``MESSAGE › FILE``), the others
    load."""
    problems = []
    try:
        message: Document | None = load_document(file, limits, ocr_progress)
    except DocumentError as error:
        message = None
        problems.append(Problem(_label(file), str(error)))
    if file.path.suffix.lower() not in MAIL_SUFFIXES or attachments_written(file.path):
        return ([message] if message else []), problems  # written out: those files are they
    if message is None and not _metadata_reads(file):
        return [], problems  # its attachments would fail alike: the message's problem says why
    folder = attachments_folder(PurePosixPath(file.relative_path))
    wanted, skipped = _attachments_to_read(file, folder, message, limits)
    if wanted and _nesting(file) >= MAX_NESTED_MESSAGES:
        wanted, skipped = [], [*skipped, NESTED_TOO_DEEP]
    documents = []
    for relative, attachment in wanted:
        found, failed = _attachment_documents(file, relative, attachment, limits, ocr_progress)
        documents.extend(found)
        problems.extend(failed)
    if message is None:
        return documents, [*problems, *(Problem(_label(file), why) for why in skipped)]
    return [replace(message, warnings=(*message.warnings, *skipped)), *documents], problems


def _metadata_reads(file: CorpusFile) -> bool:
    """Tell whether the metadata files of ``file`` (its folder's defaults, its sidecar) read."""
    try:
        read_defaults(file.defaults, corpus_root(file))
        if file.sidecar is not None:
            parse_yaml(read_text(file.sidecar))
    except DocumentError:
        return False
    return True


def _attachments_to_read(
    file: CorpusFile, folder: PurePosixPath, message: Document | None, limits: Settings
) -> tuple[list[tuple[PurePosixPath, Attachment]], list[str]]:
    """The attachments of the e-mail ``file`` to read, each with its place in ``folder``; and
    why each other one is not read (a type not read, an id another one has)."""
    if message is not None:
        attachments = message.attachments
    else:  # a message without text may still carry what matters
        try:
            check_size(file.path, limits)  # past it, the message's own problem says so
            with time_limit(limits.max_seconds_per_file):
                attachments = read_attachments(file.path)
        except Exception:  # the message's own problem says why it cannot be read
            attachments = ()
    wanted, skipped = [], []
    if len(attachments) > MAX_ATTACHMENTS:
        skipped.append(f"{len(attachments) - MAX_ATTACHMENTS} of its {len(attachments)} "
                       f"attachments are not indexed: at most {MAX_ATTACHMENTS} are read from "
                       f"one message")  # fmt: skip
        attachments = attachments[:MAX_ATTACHMENTS]
    taken: dict[str, str] = {}
    for attachment in attachments:
        name = attachment.filename
        relative = folder / name
        doc_id = doc_id_of(relative)
        if relative.suffix.lower() not in DOCUMENT_SUFFIXES:
            why = UNSUPPORTED
        elif doc_id in taken:
            why = f"it would have the id {doc_id!r} of its attachment {taken[doc_id]}"
        else:
            taken[doc_id] = name
            wanted.append((relative, attachment))
            continue
        skipped.append(f"its attachment {name} is not indexed: {why}")
    return wanted, skipped


def _attachment_documents(
    message: CorpusFile,
    relative: PurePosixPath,
    attachment: Attachment,
    limits: Settings,
    ocr_progress: OcrProgress | None,
) -> tuple[list[Document], list[Problem]]:
    """Load an attachment of ``message`` as the document at ``relative`` (and, for an e-mail
    attached whole, its own attachments), copied out of the message to a temporary file
    (extractors read files, by their names)."""
    with tempfile.TemporaryDirectory(prefix="search-app-attachment-") as scratch:
        file = CorpusFile(
            doc_id=doc_id_of(relative),
            path=Path(scratch) / attachment.filename,
            relative_path=relative.as_posix(),
            sidecar=None,
            content_hash=message.top.content_hash,  # what an update compares
            defaults=message.defaults,
            message=message,
        )
        try:
            file.path.write_bytes(attachment.data)
        except OSError as error:
            reason = f"cannot copy it out of the message: {error.strerror}"
            return [], [Problem(_label(file), reason)]
        return load_file(file, limits, ocr_progress)


@dataclass
class Corpus:
    """Every document that loaded, and every problem found on the way."""

    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def warnings(self) -> list[Problem]:
        """What is worth fixing in files that were indexed anyway."""
        return [
            Problem(document.label, warning)
            for document in self.documents
            for warning in document.warnings
        ]


def load_corpus(corpus_dir: Path, limits: Settings = DEFAULTS) -> Corpus:
    """Load every document under ``corpus_dir``; bad files become problems, not exceptions."""
    scan = scan_corpus(corpus_dir)
    corpus = Corpus(problems=list(scan.problems))
    for file in scan.files:
        documents, problems = load_file(file, limits)
        corpus.documents.extend(documents)
        corpus.problems.extend(problems)
    corpus.problems.sort(key=lambda problem: problem.path)
    return corpus
