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
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from search_app.engine.mentioning import mention_finder
from search_app.engine.schema import SCHEMA_VERSION
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


def read_generation(index_dir: Path) -> Generation | None:
    """Return the current generation, or ``None`` if there is none of this schema version."""
    name = current_generation_name(index_dir)
    if name is None:
        return None
    path = index_dir / name
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if manifest.get("schema_version") != SCHEMA_VERSION:
        return None
    return Generation(path, manifest)


def describe_missing(index_dir: Path) -> str:
    """Say why there is no usable index in ``index_dir`` and what to run."""
    name = current_generation_name(index_dir)
    if name is None:
        return f"No index in {index_dir}/: run `search-app index`."
    path = index_dir / name
    try:
        manifest = json.loads((path / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
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
