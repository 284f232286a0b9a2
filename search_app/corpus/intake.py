"""Adding a file to the corpus: check it, give it its metadata, copy it in.

A file is added only if it can be indexed as it will stand in the corpus (the same checks as
``search-app check``) and is not a copy of a document already there (same content hash). Nothing
is written until both hold, so a refused file leaves the corpus untouched.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from search_app.config import Settings
from search_app.corpus.loading import (
    CONTROL_IN_NAME,
    DOCUMENT_SUFFIXES,
    MARKDOWN_SUFFIXES,
    SIDECAR_SUFFIX,
    load_document,
    scan_corpus,
)
from search_app.corpus.metadata import DocumentError, parse_yaml, read_text, split_front_matter
from search_app.corpus.rendering import CONTROL_CHARACTERS

DEFAULTS = Settings()


class IntakeError(Exception):
    """The file cannot be added; the message says why."""


@dataclass(frozen=True)
class Added:
    doc_id: str
    relative_path: str


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _destination(source: Path, name: str | None) -> PurePosixPath:
    relative = PurePosixPath(name or source.name)
    if CONTROL_CHARACTERS.search(str(relative)):
        given = f"--name {name!r}" if name else repr(source.name)
        raise IntakeError(f"{given}: {CONTROL_IN_NAME}")
    if relative.is_absolute() or ".." in relative.parts or not relative.parts:
        raise IntakeError(f"--name {name!r} must be a path inside the corpus, like reports/x.pdf")
    if any(part.startswith((".", "_")) for part in relative.parts):
        raise IntakeError(f"{relative} starts with '.' or '_': such files are not documents")
    if relative.suffix.lower() != source.suffix.lower():
        raise IntakeError(f"--name must keep the file's extension ({source.suffix})")
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
    given = {key: value for key, value in fields.items() if value not in (None, "")}
    if source.suffix.lower() in MARKDOWN_SUFFIXES:
        text = source.read_text(encoding="utf-8-sig")
        data, body = split_front_matter(text) if text.startswith("---") else ({}, text)
        data.update(given)
        return {"": ("---\n" + _dump(data) + "---\n\n" + body.lstrip("\n")).encode("utf-8")}
    sidecar = source.with_name(source.name + SIDECAR_SUFFIX)
    data = parse_yaml(read_text(sidecar)) if sidecar.is_file() else {}
    data.update(given)
    # the sidecar first: a scan in between never sees a document without its metadata
    return {SIDECAR_SUFFIX: _dump(data).encode("utf-8"), "": source.read_bytes()}


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
    if source.suffix.lower() not in DOCUMENT_SUFFIXES:
        supported = ", ".join(sorted(DOCUMENT_SUFFIXES))
        raise IntakeError(f"{source.name}: unsupported file type (supported: {supported})")
    relative = _destination(source, name)
    _refuse_links(corpus_dir, relative)
    target = corpus_dir / relative
    scan = scan_corpus(corpus_dir)
    doc_id = relative.with_suffix("").as_posix()
    try:
        contents = _files_to_write(source, fields)
        # the file as given, and as it will be written (Markdown gets its front matter rewritten)
        digests = {_sha256(source), hashlib.sha256(contents[""]).hexdigest()}
        for file in scan.files:
            if _sha256(file.path) in digests:
                raise IntakeError(
                    f"{source.name} is already in the corpus as {file.relative_path} "
                    f"(document {file.doc_id!r}): nothing added"
                )
    except (OSError, UnicodeDecodeError) as error:
        raise IntakeError(f"cannot read {source}: {error}") from None
    except DocumentError as error:
        raise IntakeError(f"{source.name}: {error}") from None
    for suffix in contents:
        taken = target.with_name(target.name + suffix)
        if taken.exists():
            raise IntakeError(
                f"{relative}{suffix} is already in the corpus: choose another name with --name"
            )
    for file in scan.files:
        if file.doc_id == doc_id:
            raise IntakeError(
                f"{relative} would have the id {doc_id!r} of {file.relative_path}: "
                "choose another name with --name"
            )

    with tempfile.TemporaryDirectory() as scratch:  # check it exactly as it will stand
        trial = Path(scratch)
        _write(trial, relative, contents)
        [file] = scan_corpus(trial).files
        try:
            load_document(file, limits)
        except DocumentError as error:
            raise IntakeError(f"{source.name}: {error}; nothing added") from None
    _write(corpus_dir, relative, contents)
    return Added(doc_id=doc_id, relative_path=relative.as_posix())


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
