"""The spellings of names an index generation keeps: what each document writes like a name, and
the groups made from them (:mod:`search_app.names.spellings`).

``names.json`` keeps each document's name forms, so that an update re-reads only the documents
that changed; ``spellings.json`` keeps the groups, made again after every build or update from
all documents' forms and the index's own word frequencies.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from whoosh.filedb.filestore import FileStorage
from whoosh.reading import IndexReader

from search_app.corpus.loading import Document
from search_app.engine.analysis import STOP_WORDS_EN_FA
from search_app.engine.generations import write_atomically
from search_app.engine.queries import exact_terms
from search_app.names.spellings import (
    Spellings,
    group_spellings,
    name_forms,
    seated_hamza_words,
)

FORMS = "names.json"
GROUPS = "spellings.json"
#: the index's words with a seated hamza (ئ ؤ), keyed for searches that seat it elsewhere
HAMZA = "hamza.json"


def document_forms(document: Document) -> dict[str, int]:
    """Count the name forms of one document's passages."""
    forms: Counter[str] = Counter()
    for passage in document.passages:
        forms.update(name_forms(passage.text))
    return dict(forms)


def _persian_words(reader: IndexReader) -> Iterator[str]:
    for field, term in reader.terms_from("text_exact", b"\xd8"):
        if field != "text_exact" or term[:1] > b"\xdb":
            return
        word = term.decode("utf-8")
        if word not in STOP_WORDS_EN_FA and len(word) > 1:
            yield word


def write_name_index(path: Path, forms: dict[str, dict[str, int]]) -> None:
    """Write each document's forms and the groups made from all of them into the generation in
    ``path`` (its index written and committed)."""
    # read without mapping the segment files: Whoosh copies each file it maps into memory, the
    # whole index (300 MB at 175,604 passages) for a few thousand look-ups
    ix = FileStorage(str(path), supports_mmap=False).open_index()
    try:
        with ix.reader() as reader:
            _write_name_index(path, forms, reader)
    finally:
        ix.close()


def _write_name_index(path: Path, forms: dict[str, dict[str, int]], reader: IndexReader) -> None:
    total: Counter[str] = Counter()
    for counts in forms.values():
        total.update(counts)

    def frequency(word: str) -> int:
        terms = exact_terms(word)
        return reader.frequency("text_exact", terms[0]) if len(terms) == 1 else 0

    persian = reader.doc_frequency("language", "fa")
    latin = max(reader.doc_count() - persian, 1)
    persian_words = list(_persian_words(reader))
    groups = group_spellings(total, persian_words, frequency, persian / latin)
    hamza = seated_hamza_words(persian_words)
    write_atomically(path / FORMS, json.dumps(forms, ensure_ascii=False, sort_keys=True))
    write_atomically(path / GROUPS, json.dumps(groups, ensure_ascii=False, sort_keys=True))
    write_atomically(path / HAMZA, json.dumps(hamza, ensure_ascii=False, sort_keys=True))


def read_forms(path: Path) -> dict[str, dict[str, int]]:
    """Return each document's name forms, as the last build or update wrote them."""
    return _read_json(path / FORMS)


def read_spellings(path: Path) -> Spellings:
    """Return the groups of spellings of a generation, and its words with a seated hamza (none
    for an index without them)."""
    return Spellings(_read_json(path / GROUPS), _read_json(path / HAMZA))


def _read_json(path: Path) -> dict[str, Any]:
    """A generation's JSON file, empty when the generation was written before it existed."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
