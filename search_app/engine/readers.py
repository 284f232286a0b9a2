"""Reading the index being served, from many threads at once.

Readers never call ``Searcher.refresh()`` (both Whoosh forks return deleted documents after it):
:class:`SearchIndex` opens a new searcher when ``index/CURRENT`` moves to a new generation or the
generation itself was updated. Index files are read without memory maps: every thread's searcher
would map the whole index again.
"""

from __future__ import annotations

import pickle
import struct
import threading
import traceback
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, TypeVar

import whoosh
from whoosh.filedb.filestore import FileStorage
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from search_app.config import Settings
from search_app.engine.arrays import IndexArrays
from search_app.engine.generations import (
    MANIFEST,
    Generation,
    current_generation_name,
    damaged_segment,
    describe_missing,
    read_generation,
)
from search_app.engine.nameindex import read_spellings
from search_app.engine.postinglists import reader_state
from search_app.engine.queries import stems
from search_app.engine.ranking import weighting as default_weighting
from search_app.engine.schema import QUERY_FIELDS, SPELLING_FIELD
from search_app.engine.statistics import CorpusSearcher, field_totals
from search_app.names.register import Register
from search_app.names.spellings import NameLookup

T = TypeVar("T")

#: What reading a truncated or corrupted index file raises; Whoosh's own code raises anything
#: else too when it reads random bytes (KeyError, IndexError, UnicodeDecodeError, ...).
DAMAGE = (EOFError, OSError, struct.error, zlib.error, pickle.UnpicklingError)
_READING_CODE = (
    str(Path(whoosh.__file__).parent),
    str(Path(__file__).with_name("postinglists.py")),
)


def is_damage(error: BaseException) -> bool:
    """Tell whether ``error`` comes from reading damaged index files, rather than from a bug of
    ours: one of :data:`DAMAGE`, or any error raised inside Whoosh's (or our) reading code."""
    if isinstance(error, DAMAGE):
        return True
    if not isinstance(error, Exception) or isinstance(error, IndexUnavailable):
        return False
    frames = traceback.extract_tb(error.__traceback__)
    return bool(frames) and frames[-1].filename.startswith(_READING_CODE)


class IndexUnavailable(Exception):
    """There is no usable index; the message names the command that makes one."""


class SearchIndex:
    """Shared access to the current index generation for many threads.

    Each thread keeps its own searcher and replaces it (never refreshes it) when the generation
    pointer or the generation's manifest change.
    """

    def __init__(
        self, index_dir: Path, result_cache: int = 512, weighting: BM25F | None = None
    ) -> None:
        self.index_dir = Path(index_dir)
        self.weighting = weighting or default_weighting()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._generation: Generation | None = None
        self._variants = NameLookup()
        self._index: Any = None
        self._results: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.result_cache = result_cache
        self._open: list[Searcher] = []  # every searcher of every thread, to close them
        self._arrays: OrderedDict[tuple[Any, ...], IndexArrays] = OrderedDict()
        self._arrays_lock = threading.Lock()
        self._damaged: tuple[tuple[Any, ...] | None, str | None] = (None, None)
        #: read ahead what first searches need when an index state opens (see :meth:`arrays`)
        self.warm_on_open = True

    @classmethod
    def from_settings(cls, settings: Settings) -> SearchIndex:
        """Open the index that ``settings`` names, ranking as they say."""
        return cls(settings.index_dir, settings.result_cache, default_weighting(settings))

    def _close(self, searcher: Searcher) -> None:
        with self._lock:
            if searcher in self._open:
                self._open.remove(searcher)
        searcher.close()

    def close(self) -> None:
        """Close every thread's searcher (their open files); the next search opens anew."""
        with self._lock:
            searchers, self._open = self._open, []
            self._key = None
            self._arrays = OrderedDict()
        for searcher in searchers:
            searcher.close()
        self._local = threading.local()

    def __del__(self) -> None:
        if hasattr(self, "_open"):  # not if __init__ failed
            self.close()

    def cached(self, request: Hashable, limits: Hashable, run: Callable[[], T]) -> T:
        """Return the page for ``request`` from the cache of this generation, or run it.

        The same URL gives the same page until the index changes, so pages (a shared link, the
        next page, the back button) are kept: the most recent ``result_cache`` of them.
        """
        if not self.result_cache:
            return run()
        key = (self._stamp(), request, limits)
        with self._lock:
            if key in self._results:
                self._results.move_to_end(key)
                return self._results[key]
        page = run()
        if not getattr(page, "partial", False):  # a page cut short by the time limit is not it
            with self._lock:
                self._results[key] = page
                while len(self._results) > self.result_cache:
                    self._results.popitem(last=False)
        return page

    def _stamp(self) -> tuple[Any, ...]:
        """Identify the current generation's state cheaply: its name and its manifest file."""
        name = current_generation_name(self.index_dir)
        try:
            stat = (self.index_dir / (name or "-") / MANIFEST).stat()
        except OSError:
            raise IndexUnavailable(describe_missing(self.index_dir)) from None
        return (name, stat.st_ino, stat.st_mtime_ns, stat.st_size)

    def _current(self) -> tuple[tuple[Any, ...], Generation, Any]:
        with self._lock:
            key = self._stamp()
            if key != self._key:
                for _attempt in range(3):  # an index run may switch the generation meanwhile
                    generation = read_generation(self.index_dir)
                    if generation is None:
                        raise IndexUnavailable(describe_missing(self.index_dir))
                    settled = self._stamp()
                    if settled == key and generation.name == key[0]:
                        break
                    key = settled
                try:
                    # no memory maps: each thread's searcher would map the whole index again
                    # (8 threads made a 50k-passage server take 1 GB; unmapped, 180 MB)
                    storage = FileStorage(str(generation.path), supports_mmap=False)
                    self._index = storage.open_index()
                except Exception as error:  # a damaged table of contents raises many kinds
                    raise IndexUnavailable(
                        f"The index in {self.index_dir}/ cannot be opened ({type(error).__name__}):"
                        " run `search-app index --full`."
                    ) from error
                if self._damaged[0] != key:  # checked once per state of the index
                    self._damaged = (key, damaged_segment(generation))
                problem = self._damaged[1]
                if problem is not None:
                    raise IndexUnavailable(
                        f"The index in {self.index_dir}/ is damaged ({problem}): "
                        "run `search-app index --full`."
                    )
                listed = generation.variants
                self._variants = NameLookup(
                    listed.lookup_table(stems),
                    read_spellings(generation.path),
                    listed.apart_pairs(),
                )
                self._key, self._generation = key, generation
            assert self._generation is not None
            return self._key, self._generation, self._index

    def variants(self) -> NameLookup:
        """Return the other spellings of names in the current generation: the list's and the
        index's own groups."""
        self._current()
        return self._variants

    def register(self) -> Register:
        """Return the register of names the current generation counted."""
        return self._current()[1].register

    def arrays(self, searcher: Searcher) -> IndexArrays:
        """Return the arrays for vectorised search of what ``searcher`` (this thread's, from
        :meth:`searcher`) reads, made once for every thread.

        They are keyed by the segments the searcher really reads, not only by the manifest: an
        update commits its segments before it rewrites the manifest, and a searcher opened in
        between reads the new segments.
        """
        key = (self._local.cached[0], reader_state(searcher.reader()))
        with self._arrays_lock:  # one thread builds them; the others wait for it
            arrays = self._arrays.get(key)
            if arrays is None:
                arrays = self._arrays[key] = IndexArrays(searcher.reader())
                while len(self._arrays) > 2:  # the state being left, and the new one
                    self._arrays.popitem(last=False)
                if self.warm_on_open:
                    threading.Thread(target=self._warm, name="warm-index", daemon=True).start()
            return arrays

    def read_ahead(self) -> None:
        """Read now, in this thread, what the first searches of the current index state need:
        the lengths of the fields a query scores and the vocabulary that prefixes, fuzzy words
        and "Did you mean" of the text look words up in (building it took the first such search
        seconds on a large index). A server does before it serves.

        :raises IndexUnavailable: when the index is missing or damaged.
        """
        with self.searcher() as (_generation, searcher):
            arrays = self.arrays(searcher)
            for fieldname in QUERY_FIELDS:
                if searcher.schema[fieldname].scorable:
                    arrays.field_lengths(searcher, fieldname)
            arrays.vocabulary(searcher, SPELLING_FIELD)

    def _warm(self) -> None:
        """Read ahead, in a thread of its own, what the first searches of a new index state
        need (:meth:`read_ahead`), so that they do not wait for it."""
        try:
            self.read_ahead()
        except Exception:  # noqa: BLE001 - only a head start: a search reads what it needs
            pass
        finally:
            cached = getattr(self._local, "cached", None)
            self._local.cached = None
            if cached is not None:  # this thread ends: its searcher's files with it
                with suppress(Exception):  # already closed with the index
                    self._close(cached[1])

    @contextmanager
    def searcher(self) -> Iterator[tuple[Generation, Searcher]]:
        """Yield the current generation and a searcher on it, reused by this thread.

        :raises IndexUnavailable: when the index is missing or its files turn out damaged.
        """
        key, generation, ix = self._current()
        try:
            cached = getattr(self._local, "cached", None)
            if cached is None or cached[0] != key:
                if cached is not None:
                    self._close(cached[1])
                totals = field_totals(generation.documents.values())
                opened = CorpusSearcher(ix.reader(), totals, weighting=self.weighting, fromindex=ix)
                cached = self._local.cached = (key, opened)
                with self._lock:
                    self._open.append(cached[1])
            yield generation, cached[1]
        except Exception as error:
            if not is_damage(error):
                raise
            broken = getattr(self._local, "cached", None)
            self._local.cached = None
            if broken is not None:
                self._close(broken[1])
            with self._lock:
                self._key = None  # open it afresh next time: it may have been rebuilt
            raise IndexUnavailable(
                f"The index in {self.index_dir}/ is damaged ({type(error).__name__}): "
                "run `search-app index --full`."
            ) from error
