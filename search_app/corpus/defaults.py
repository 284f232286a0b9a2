"""Folder defaults: a ``_defaults.yml`` gives metadata to every document file below its folder.

A researcher's folder of 200 scans from one archive needs one file saying ``source:`` and
``source_type:``, not 200 sidecars. Defaults of a deeper folder win over those of its parents;
a file's own metadata (its sidecar or front matter) wins over all of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from search_app.corpus.metadata import DocumentError, parse_yaml, read_text

DEFAULTS_FILE = "_defaults.yml"


def defaults_files(corpus_dir: Path, relative: Path) -> tuple[Path, ...]:
    """Return the ``_defaults.yml`` files that apply to the corpus file at ``relative``, from the
    corpus folder down to the file's own folder."""
    found = []
    folder = corpus_dir
    for part in (Path(), *relative.parent.parts):
        folder = folder / part
        candidate = folder / DEFAULTS_FILE
        if candidate.is_file():
            found.append(candidate)
    return tuple(found)


def read_defaults(paths: tuple[Path, ...], corpus_dir: Path) -> dict[str, Any]:
    """Merge the defaults files ``paths`` (outermost first).

    :raises DocumentError: naming the defaults file that cannot be read.
    """
    merged: dict[str, Any] = {}
    for path in paths:
        try:
            merged.update(parse_yaml(read_text(path)))
        except DocumentError as error:
            raise DocumentError(f"{path.relative_to(corpus_dir).as_posix()}: {error}") from None
    return merged
