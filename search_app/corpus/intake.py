"""Adding files to the corpus: check each, give it its metadata, copy it in.

A file is added only if it can be indexed as it will stand in the corpus (the same checks as
``search-app check``) and is not a copy of a document already there (same content hash). Nothing
is written for a file until both hold, so a refused file leaves the corpus untouched. A folder is
added file by file with one set of fields: what cannot be added is listed with the reason, and the
rest goes in. An e-mail's attachments become documents of their own, ``attached_to`` it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from search_app.config import Settings
from search_app.corpus.defaults import DEFAULTS_FILE, defaults_files
from search_app.corpus.files import MAX_NESTED_MESSAGES, NESTED_TOO_DEEP
from search_app.corpus.loading import ATTACHMENT_FIELDS, Document, load_document
from search_app.corpus.metadata import (
    DocumentError,
    Problem,
    parse_yaml,
    read_text,
    split_front_matter,
)
from search_app.corpus.reading import DOCUMENT_SUFFIXES, MARKDOWN_SUFFIXES, UNSUPPORTED
from search_app.corpus.rendering import CONTROL_CHARACTERS
from search_app.corpus.scanning import (
    CONTROL_IN_NAME,
    SIDECAR_SUFFIX,
    attachments_folder,
    doc_id_of,
    is_hidden,
    leads_out,
    scan_corpus,
)

DEFAULTS = Settings()
#: What ``add`` writes in an e-mail's attachments folder, for the people who open it.
ATTACHMENTS_NOTE = "_attachments.txt"


class IntakeError(Exception):
    """The file cannot be added; the message says why."""


#: A file of a folder that was not added, and why: said like a corpus file's problem.
Skipped = Problem


@dataclass(frozen=True)
class Added:
    doc_id: str
    relative_path: str
    language: str = "en"
    #: the language was told from the text, not given
    language_detected: bool = False
    encoding: str | None = None
    warnings: tuple[str, ...] = ()
    attachments: tuple[Added, ...] = ()
    skipped: tuple[Skipped, ...] = ()


@dataclass
class FolderReport:
    added: list[Added] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _destination(source: Path, name: str | None) -> PurePosixPath:
    relative = PurePosixPath(name or source.name)
    if CONTROL_CHARACTERS.search(str(relative)):
        given = f"--name {name!r}" if name else repr(source.name)
        raise IntakeError(f"{given}: {CONTROL_IN_NAME}")
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise IntakeError(f"--name {name!r} must be a path inside the corpus, like reports/x.pdf")
    if any(part.startswith((".", "_")) for part in relative.parts):
        raise IntakeError(f"{relative} starts with '.' or '_': such files are not documents")
    return relative


def _refuse_links(corpus_dir: Path, relative: PurePosixPath) -> None:
    """Refuse a destination reached through a link: the file would land elsewhere, maybe
    outside the corpus, and under another id than the one announced."""
    path = corpus_dir
    for part in relative.parts:
        path = path / part
        if path.is_symlink():
            raise IntakeError(
                f"{path.relative_to(corpus_dir).as_posix()} in the corpus is a link: add the file "
                "to the folder it points to (nothing is written through links)"
            )


def _dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)


def _files_to_write(source: Path, fields: dict[str, Any]) -> dict[str, bytes]:
    """Return the corpus files (by suffix: "" for the document, sidecar suffix) to write."""
    given = {key: value for key, value in fields.items() if value not in (None, "", ())}
    if source.suffix.lower() in MARKDOWN_SUFFIXES:
        text = source.read_text(encoding="utf-8-sig")
        if not given:
            return {"": text.encode("utf-8")}
        data, body = split_front_matter(text) if text.startswith("---") else ({}, text)
        data.update(given)
        return {"": ("---\n" + _dump(data) + "---\n\n" + body.lstrip("\n")).encode("utf-8")}
    sidecar = source.with_name(source.name + SIDECAR_SUFFIX)
    data = parse_yaml(read_text(sidecar)) if sidecar.is_file() else {}
    data.update(given)
    if not data:  # nothing said about the file: folder defaults or its own metadata will do
        return {"": source.read_bytes()}
    # the sidecar first: a scan in between never sees a document without its metadata
    return {SIDECAR_SUFFIX: _dump(data).encode("utf-8"), "": source.read_bytes()}


class Intake:
    """One ``add`` run: what the corpus holds, kept up to date as files go in."""

    def __init__(self, corpus_dir: Path, limits: Settings = DEFAULTS) -> None:
        self.corpus_dir = corpus_dir
        self.limits = limits
        scan = scan_corpus(corpus_dir)
        self.digests: dict[str, str] = {}
        for file in scan.files:
            self.digests.setdefault(_sha256(file.path.read_bytes()), file.relative_path)
        self.ids = {file.doc_id: file.relative_path for file in scan.files}

    def add(
        self, source: Path, relative: PurePosixPath, fields: dict[str, Any], depth: int = 0
    ) -> Added:
        """Add one file at ``relative`` in the corpus (and an e-mail's attachments; ``depth``:
        how many e-mails the file was attached inside).

        :raises IntakeError: when it cannot be read or indexed, is already in the corpus, or its
            place is taken.
        """
        if not source.is_file():
            raise IntakeError(f"{source} is not a file")
        if source.suffix.lower() not in DOCUMENT_SUFFIXES:
            raise IntakeError(f"{source.name}: {UNSUPPORTED}")
        if relative.suffix.lower() != source.suffix.lower():
            raise IntakeError(f"--name must keep the file's extension ({source.suffix})")
        _refuse_links(self.corpus_dir, relative)
        doc_id = doc_id_of(relative)
        try:
            contents = _files_to_write(source, fields)
            # the file as given, and as it will be written (Markdown gets its front matter)
            for digest in {_sha256(source.read_bytes()), _sha256(contents[""])}:
                if digest in self.digests:
                    there = self.digests[digest]
                    raise IntakeError(
                        f"{source.name} is already in the corpus as {there} (document "
                        f"{doc_id_of(there)!r}): nothing added"
                    )
        except (OSError, UnicodeDecodeError) as error:
            raise IntakeError(f"cannot read {source}: {error}") from None
        except DocumentError as error:
            raise IntakeError(f"{source.name}: {error}") from None
        target = self.corpus_dir / relative
        for suffix in contents:
            if target.with_name(target.name + suffix).exists():
                raise IntakeError(
                    f"{relative}{suffix} is already in the corpus: choose another name with --name"
                )
        if doc_id in self.ids:
            raise IntakeError(
                f"{relative} would have the id {doc_id!r} of {self.ids[doc_id]}: "
                "choose another name with --name"
            )
        document = self._trial(relative, contents)
        _write(self.corpus_dir, relative, contents)
        self.digests[_sha256(contents[""])] = relative.as_posix()
        self.ids[doc_id] = relative.as_posix()
        attachments, skipped = self._attachments(document, relative, fields, depth)
        return Added(
            doc_id=doc_id,
            relative_path=relative.as_posix(),
            language=document.meta.language,
            language_detected=document.language_detected,
            encoding=document.encoding,
            warnings=document.warnings,
            attachments=tuple(attachments),
            skipped=tuple(skipped),
        )

    def _trial(self, relative: PurePosixPath, contents: dict[str, bytes]) -> Document:
        """Load the file exactly as it will stand: at its place, under the same folder defaults."""
        with tempfile.TemporaryDirectory() as scratch:
            trial = Path(scratch)
            for defaults in defaults_files(self.corpus_dir, Path(relative)):
                if leads_out(defaults, self.corpus_dir):
                    continue  # never read through a link out of the corpus (check names it)
                copy = trial / defaults.relative_to(self.corpus_dir)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(defaults, copy)
            _write(trial, relative, contents)
            [file] = scan_corpus(trial).files
            try:
                return load_document(file, self.limits)
            except DocumentError as error:
                raise IntakeError(f"{relative.name}: {error}; nothing added") from None

    def _attachments(
        self, message: Document, relative: PurePosixPath, fields: dict[str, Any], depth: int
    ) -> tuple[list[Added], list[Skipped]]:
        added: list[Added] = []
        skipped: list[Skipped] = []
        if not message.attachments:
            return added, skipped
        folder = attachments_folder(relative)
        # the folder is there even if no attachment goes in: the index then reads them from
        # it, not from the message, and leaves out what was not added here
        if not (self.corpus_dir / folder / ATTACHMENTS_NOTE).exists():
            _write(self.corpus_dir, folder / ATTACHMENTS_NOTE,
                   {"": _attachments_note(relative).encode()})  # fmt: skip
        if depth >= MAX_NESTED_MESSAGES:
            return added, [Skipped(relative.name, NESTED_TOO_DEEP)]
        shared = {key: fields[key] for key in ATTACHMENT_FIELDS if fields.get(key)}
        with tempfile.TemporaryDirectory() as scratch:
            for attachment in message.attachments:
                path = Path(scratch) / attachment.filename
                path.write_bytes(attachment.data)
                try:
                    added.append(
                        self.add(
                            path,
                            folder / attachment.filename,
                            {**shared, "attached_to": message.doc_id},
                            depth + 1,
                        )  # fmt: skip
                    )
                except IntakeError as error:
                    skipped.append(Skipped(f"{relative.name} › {attachment.filename}", str(error)))
        return added, skipped

    def add_folder(
        self, folder: Path, destination: PurePosixPath, fields: dict[str, Any]
    ) -> FolderReport:
        """Add every document file below ``folder`` (its ``_defaults.yml`` files too) under
        ``destination``; list each file that was not added, with the reason."""
        report = FolderReport()
        paths = sorted(path for path in folder.rglob("*") if path.is_file())
        for path in paths:
            relative = path.relative_to(folder)
            if path.name == DEFAULTS_FILE and not is_hidden(relative.parent):
                report.skipped.extend(self._copy_defaults(path, destination / relative))
        for path in paths:
            relative = path.relative_to(folder)
            shown = relative.as_posix()
            if path.name.endswith(SIDECAR_SUFFIX) or path.name == DEFAULTS_FILE:
                continue  # read with their document, or copied above
            if is_hidden(relative):
                report.skipped.append(Skipped(shown, "hidden ('.' or '_' name): not a document"))
                continue
            if path.is_symlink():
                reason = "a link: not followed (add the file it points to)"
                report.skipped.append(Skipped(shown, reason))
                continue
            try:
                added = self.add(path, destination / relative.as_posix(), fields)
            except IntakeError as error:
                report.skipped.append(Skipped(shown, str(error)))
                continue
            report.added.append(added)
            report.skipped.extend(added.skipped)
        return report

    def _copy_defaults(self, source: Path, relative: PurePosixPath) -> list[Skipped]:
        try:
            _refuse_links(self.corpus_dir, relative)
        except IntakeError as error:
            return [Skipped(relative.as_posix(), str(error))]
        target = self.corpus_dir / relative
        data = source.read_bytes()
        if target.exists():
            if target.read_bytes() == data:
                return []
            return [Skipped(relative.as_posix(), "a different _defaults.yml is already there")]
        _write(self.corpus_dir, relative, {"": data})
        return []


def add_file(
    source: Path,
    corpus_dir: Path,
    fields: dict[str, Any],
    name: str | None = None,
    limits: Settings = DEFAULTS,
) -> Added:
    """Copy ``source`` into ``corpus_dir`` with the metadata ``fields`` (which win over the file's).

    :raises IntakeError: when the file cannot be read or indexed, is already in the corpus, or
        its place in the corpus is taken.
    """
    if not source.is_file():
        raise IntakeError(f"{source} is not a file")
    return Intake(corpus_dir, limits).add(source, _destination(source, name), fields)


def add_folder(
    folder: Path,
    corpus_dir: Path,
    fields: dict[str, Any],
    name: str | None = None,
    limits: Settings = DEFAULTS,
) -> FolderReport:
    """Add every document below ``folder`` into ``corpus_dir/name`` (default: the folder's name).

    :raises IntakeError: when ``name`` is not a place inside the corpus.
    """
    if fields.get("title"):
        raise IntakeError("--title names one document: leave it out when adding a folder")
    destination = _destination(folder.resolve(), name)
    return Intake(corpus_dir, limits).add_folder(folder, destination, fields)


def _attachments_note(message: PurePosixPath) -> str:
    return (
        f"The attachments of {message.name}, written out by search-app add.\n"
        "The index reads them from the files here, not from the message: one deleted from\n"
        "this folder stays out of the index.\n"
    )


def _write(root: Path, relative: PurePosixPath, contents: dict[str, bytes]) -> None:
    """Write each file whole or not at all, and never over a file that appeared meanwhile."""
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix, data in contents.items():
        path = target.with_name(target.name + suffix)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".adding-", delete=False) as tmp:
            tmp.write(data)
        os.chmod(tmp.name, 0o644)
        try:
            os.link(tmp.name, path)  # fails if another add took the name first
        except FileExistsError:
            raise IntakeError(
                f"{path.name} appeared in the corpus meanwhile: nothing added"
            ) from None
        finally:
            os.unlink(tmp.name)
