"""Index generations on disk: the ``CURRENT`` pointer, manifests, the build lock, fsync.

``index/`` holds generations. A full build writes a fresh ``gen-*`` directory and, only once it is
complete, points ``index/CURRENT`` at it with an atomic ``os.replace`` (fsynced), so a build that
dies half-way leaves the previous generation serving. Readers notice the new pointer and open the
new generation. One ``index`` run at a time holds :func:`index_lock`.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import secrets
import shutil
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from search_app.engine.mentioning import mention_finder
from search_app.engine.schema import SCHEMA_VERSION
from search_app.engine.statistics import LENGTHS
from search_app.names.mentions import MentionFinder
from search_app.names.register import Register, register_from_data
from search_app.names.variants import Variants, variants_from_manifest

CURRENT = "CURRENT"
MANIFEST = "manifest.json"
LOCK = ".lock"
GENERATION_PREFIX = "gen-"


class IndexBusyError(Exception):
    """Another ``index`` run holds the lock."""


@dataclass(frozen=True)
class Generation:
    """A complete index generation on disk and its manifest."""

    path: Path
    manifest: dict[str, Any]

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def documents(self) -> dict[str, dict[str, Any]]:
        return self.manifest["documents"]

    @property
    def variants(self) -> Variants:
        return variants_from_manifest(
            self.manifest.get("variants", []), self.manifest.get("variants_apart", [])
        )

    @cached_property  # read once per generation: every page with facets needs it
    def register(self) -> Register:
        return register_from_data(self.manifest.get("register", []))

    @cached_property
    def finder(self) -> MentionFinder:
        """What finds the register's names in a text, as the index read them."""
        return mention_finder(self.register)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(path: Path) -> None:
    for file in path.iterdir():
        if file.is_file():
            with open(file, "rb") as handle:
                os.fsync(handle.fileno())
    fsync_dir(path)


def write_atomically(path: Path, data: str) -> None:
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    fsync_dir(path.parent)


def current_generation_name(index_dir: Path) -> str | None:
    """Return the name of the generation ``index/CURRENT`` points at, if any."""
    try:
        name = (index_dir / CURRENT).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return name or None


#: Each manifest entry's fields that must be text, and those that may be text or missing.
_TEXT_FIELDS = ("path", "title", "source")
_OPTIONAL_TEXT_FIELDS = (
    "hash", "source_type", "date", "language", "format", "url", "author", "cited_in",
    "translation_of", "translator", "attached_to", "message",
)  # fmt: skip


def _read_manifest(path: Path) -> dict[str, Any] | None:
    """Read a generation's manifest; ``None`` if it is unreadable or not of the shape written."""
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if _well_formed(manifest) else None


def _well_formed(manifest: Any) -> bool:
    """Tell whether ``manifest`` has the shape the pages read (a hand-edited or damaged one may
    not): documents as a mapping of entries, each with its text fields, passage count, tags and
    field lengths; variants as groups of spellings."""
    if not isinstance(manifest, dict) or not isinstance(manifest.get("documents"), dict):
        return False
    segments = manifest.get("segments", {})
    if not isinstance(segments, dict) or not all(
        isinstance(value, list) and len(value) == 2 and all(isinstance(n, int) for n in value)
        for value in segments.values()
    ):
        return False
    variants = manifest.get("variants", [])
    if not isinstance(variants, list) or not all(
        isinstance(group, list) and all(isinstance(word, str) for word in group)
        for group in variants
    ):
        return False
    if not _register_shaped(manifest.get("register", [])):
        return False
    for entry in manifest["documents"].values():
        if not isinstance(entry, dict):
            return False
        if not all(isinstance(entry.get(name), str) for name in _TEXT_FIELDS):
            return False
        if not all(isinstance(entry.get(name), str | None) for name in _OPTIONAL_TEXT_FIELDS):
            return False
        passages, tags = entry.get("passages"), entry.get("tags", [])
        if not isinstance(passages, int) or isinstance(passages, bool) or passages < 0:
            return False
        for texts in (tags, entry.get("within", [])):  # within: e-mails holding an attachment
            if not isinstance(texts, list) or not all(isinstance(text, str) for text in texts):
                return False
        if not _counts(entry.get(LENGTHS, {})):
            return False
    return True


def _register_shaped(register: Any) -> bool:
    """Tell whether the kept register of names is a list of entries, each with its text."""
    return isinstance(register, list) and all(
        isinstance(entry, dict)
        and all(isinstance(entry.get(name), str) for name in ("slug", "name", "kind"))
        and isinstance(entry.get("spellings"), list)
        and all(isinstance(spelling, str) for spelling in entry["spellings"])
        for entry in register
    )


def _counts(value: Any) -> bool:
    """Tell whether ``value`` maps names to whole numbers (a document's field lengths)."""
    return isinstance(value, dict) and all(
        isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value.values()
    )


def segment_checksums(path: Path) -> dict[str, list[int]]:
    """Return the size and CRC-32 of each segment file of a generation, for its manifest.

    Whoosh writes a segment file once and never changes it (deletions live in the table of
    contents), so a segment that no longer matches was damaged after it was written.
    """
    return {file.name: [file.stat().st_size, _crc32(file)] for file in sorted(path.glob("*.seg"))}


def _crc32(file: Path) -> int:
    checksum = 0
    with open(file, "rb") as handle:
        while chunk := handle.read(1 << 20):
            checksum = zlib.crc32(chunk, checksum)
    return checksum


def damaged_segment(generation: Generation) -> str | None:
    """Say which segment file no longer has the size and checksum its manifest recorded.

    Files the manifest does not list (an update committed them and is about to rewrite the
    manifest) or no longer has are not checked: Whoosh finds a missing file itself.
    """
    recorded = generation.manifest.get("segments", {})
    for name, (size, checksum) in recorded.items():
        file = generation.path / name
        try:
            if file.stat().st_size != size:
                return f"{name} is {file.stat().st_size} bytes, it was written with {size}"
            if _crc32(file) != checksum:
                return f"{name} has changed since it was written"
        except FileNotFoundError:
            continue
    return None


def read_generation(index_dir: Path) -> Generation | None:
    """Return the current generation, or ``None`` if there is none of this schema version (or
    its manifest is damaged)."""
    name = current_generation_name(index_dir)
    if name is None:
        return None
    path = index_dir / name
    manifest = _read_manifest(path)
    if manifest is None or manifest.get("schema_version") != SCHEMA_VERSION:
        return None
    return Generation(path, manifest)


def describe_missing(index_dir: Path) -> str:
    """Say why there is no usable index in ``index_dir`` and what to run."""
    name = current_generation_name(index_dir)
    if name is None:
        return f"No index in {index_dir}/: run `search-app index`."
    manifest = _read_manifest(index_dir / name)
    if manifest is None:
        return f"The index in {index_dir}/ is damaged or incomplete: run `search-app index --full`."
    return (
        f"The index in {index_dir}/ has schema version {manifest.get('schema_version')}, this "
        f"version of search_app needs {SCHEMA_VERSION}: run `search-app index`."
    )


@contextmanager
def index_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index folder's lock for one build or update.

    :raises IndexBusyError: at once, when another run holds it.
    """
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / LOCK, "a+") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise IndexBusyError(
                f"another `search-app index` is running on {index_dir}/: wait for it to finish"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def new_generation_dir(index_dir: Path) -> Path:
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S")
    path = index_dir / f"{GENERATION_PREFIX}{stamp}-{secrets.token_hex(3)}"
    path.mkdir()
    return path


def remove_old_generations(index_dir: Path, keep: set[str]) -> None:
    """Remove generations except ``keep``: the new one, and the one readers may still hold."""
    for path in index_dir.iterdir():
        if path.name.startswith(GENERATION_PREFIX) and path.name not in keep and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
