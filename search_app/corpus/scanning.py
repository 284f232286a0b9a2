"""Corpus files found on disk: what is a document, under which id, with which metadata files.

One file is one document. Its id is its path relative to the corpus folder, without extension,
so links stay valid across rebuilds. Markdown files carry YAML front matter; other files take
the same fields from a sidecar ``NAME.EXT.meta.yml``; folders give defaults in ``_defaults.yml``.
Each file is hashed with its metadata files, so that an update reads again only what changed.

Files and folders whose names start with ``.`` or ``_`` are not documents (``_variants.txt``
and the like live there).

Nothing is read through a link that leads out of the corpus folder (a file, a sidecar, a folder):
each such link is a problem. A link to a file inside the corpus is a document of its own name;
a link to a folder inside it is not followed (its files are read where they are).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath

from search_app.corpus.defaults import defaults_files
from search_app.corpus.metadata import DocumentError, Problem
from search_app.corpus.reading import DOCUMENT_SUFFIXES, MAIL_SUFFIXES, UNSUPPORTED
from search_app.corpus.rendering import CONTROL_CHARACTERS

SIDECAR_SUFFIX = ".meta.yml"
CONTROL_IN_NAME = (
    "the file name has a control character (a line break, a tab...): rename the file; "
    "links to it could not work"
)


@dataclass(frozen=True)
class CorpusFile:
    """A document file found on disk, with what identifies its content."""

    doc_id: str
    path: Path
    relative_path: str
    sidecar: Path | None
    content_hash: str
    #: the ``_defaults.yml`` files that apply, outermost first
    defaults: tuple[Path, ...] = ()
    #: for an e-mail's attachment read from the message: the message's file (``path`` is then
    #: the attachment copied out to a temporary file, ``relative_path`` where ``add`` writes it)
    message: CorpusFile | None = None

    @property
    def top(self) -> CorpusFile:
        """The corpus file itself: for an attachment read from its e-mail (perhaps an e-mail
        attached to another), the message it came in."""
        return self if self.message is None else self.message.top


def doc_id_of(relative: str | PurePath) -> str:
    """The id of the document at ``relative`` in the corpus: its path without its extension."""
    return PurePosixPath(relative).with_suffix("").as_posix()


def attachments_folder(message: PurePosixPath) -> PurePosixPath:
    """Where an e-mail's attachments go, as documents of their own: ``NAME-attachments/``
    beside the message (``search-app add`` writes them there; the index reads those of a
    message copied in by hand from the message, under the same ids)."""
    return message.parent / f"{message.stem}-attachments"


@dataclass
class Scan:
    """The outcome of looking through the corpus folder."""

    files: list[CorpusFile] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: ids of documents whose file exists but could not be read: not to be taken as deleted
    unreadable: set[str] = field(default_factory=set)


def is_hidden(relative: Path) -> bool:
    """Tell whether a path in the corpus is not a document: a part of it starts with . or _."""
    return any(part.startswith((".", "_")) for part in relative.parts)


def _hash_files(*paths: Path | None, salt: bytes = b"") -> str:
    digest = hashlib.sha256(salt)
    for path in paths:
        if path is not None:
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def attachments_written(message: Path) -> bool:
    """Tell whether an e-mail's attachments' folder exists beside it: then its files are the
    attachments (``add`` wrote them out, or the researcher did), not what the message holds."""
    return message.with_name(attachments_folder(PurePosixPath(message.name)).name).is_dir()


def _attachments_salt(path: Path) -> bytes:
    """For an e-mail, whether its attachments were written out (an update must notice the
    change); nothing for other files."""
    if path.suffix.lower() not in MAIL_SUFFIXES:
        return b""
    return b"attachments written\0" if attachments_written(path) else b"\0"


def leads_out(path: Path, corpus_dir: Path) -> bool:
    """Tell whether ``path``, in ``corpus_dir``, is a link that leads out of it."""
    if not path.is_symlink():
        return False
    try:
        return not path.resolve().is_relative_to(corpus_dir.resolve())
    except (OSError, RuntimeError):  # a loop of links leads nowhere either
        return True


def link_out_problem(path: Path, name: str) -> Problem:
    """Say that ``path`` is a link out of the corpus and was not read."""
    kind = "folder" if path.is_dir() else "file"
    return Problem(
        name,
        "a link out of the corpus: not read (links out are never followed; "
        f"copy the {kind} into the corpus instead)",
    )


def read_corpus_file(corpus_dir: Path, name: str) -> tuple[str | None, list[Problem]]:
    """Read one of the corpus folder's own files (``_variants.txt``, ``_names.yml``) as text:
    ``None`` when there is none, or a problem when it cannot be read or links out."""
    path = corpus_dir / name
    if leads_out(path, corpus_dir):
        return None, [link_out_problem(path, name)]
    try:
        return path.read_text(encoding="utf-8"), []
    except FileNotFoundError:
        return None, []
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(name, f"cannot read: {error}")]


def _defaults_inside(corpus_dir: Path, relative: Path, scan: Scan) -> tuple[Path, ...]:
    """The defaults files that apply to ``relative``, less those that link out of the corpus
    (each named once as a problem)."""
    found = []
    for path in defaults_files(corpus_dir, relative):
        if not leads_out(path, corpus_dir):
            found.append(path)
            continue
        problem = link_out_problem(path, path.relative_to(corpus_dir).as_posix())
        if problem not in scan.problems:
            scan.problems.append(problem)
    return tuple(found)


def scan_corpus(corpus_dir: Path) -> Scan:
    """Find every document file under ``corpus_dir`` and hash its content (and sidecar).

    :raises DocumentError: when ``corpus_dir`` is not a folder.
    """
    if not corpus_dir.is_dir():
        raise DocumentError(
            f"corpus folder {corpus_dir} does not exist: create it or pass --corpus"
        )
    scan = Scan()
    seen: dict[str, str] = {}
    folder_defaults: dict[Path, tuple[Path, ...]] = {}
    # rglob lists links to folders but never descends into them
    for path in sorted(corpus_dir.rglob("*")):
        relative = path.relative_to(corpus_dir)
        if is_hidden(relative):
            continue
        name = relative.as_posix()
        if leads_out(path, corpus_dir):
            scan.problems.append(link_out_problem(path, name))
            continue
        if not path.is_file():
            continue
        if CONTROL_CHARACTERS.search(name):
            scan.problems.append(Problem(name, CONTROL_IN_NAME))
            continue
        if name.endswith(SIDECAR_SUFFIX):
            if not path.with_name(path.name[: -len(SIDECAR_SUFFIX)]).is_file():
                scan.problems.append(Problem(name, "sidecar without a document file next to it"))
            continue
        if path.suffix.lower() not in DOCUMENT_SUFFIXES:
            scan.problems.append(Problem(name, UNSUPPORTED))
            continue
        doc_id = doc_id_of(relative)
        if doc_id in seen:
            scan.problems.append(
                Problem(name, f"duplicate document id {doc_id!r} (also {seen[doc_id]}): rename one")
            )
            continue
        seen[doc_id] = name
        sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
        if leads_out(sidecar, corpus_dir):
            reason = f"not read: its metadata {sidecar.name} is a link out of the corpus"
            scan.problems.append(Problem(name, reason))
            scan.unreadable.add(doc_id)
            continue
        sidecar = sidecar if sidecar.is_file() else None
        if relative.parent not in folder_defaults:
            folder_defaults[relative.parent] = _defaults_inside(corpus_dir, relative, scan)
        defaults = folder_defaults[relative.parent]
        try:
            salt = _attachments_salt(path)
            content_hash = _hash_files(path, sidecar, *defaults, salt=salt)
        except OSError as error:
            scan.problems.append(Problem(name, f"cannot read file: {error.strerror}"))
            scan.unreadable.add(doc_id)
            continue
        scan.files.append(CorpusFile(doc_id, path, name, sidecar, content_hash, defaults))
    return scan
