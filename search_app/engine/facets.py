"""Facets: how the passages of a result divide by source, type, language, year and name.

Counted from what the index keeps per index state, never by another search: the documents'
metadata (in the manifest) through a code per document, and the register's entries through the
(passage, entry) pairs recorded at index time.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from whoosh.searching import Searcher

from search_app.corpus.solar_calendar import iso_span
from search_app.engine.arrays import IndexArrays
from search_app.engine.entities import count_by_kind
from search_app.engine.generations import Generation
from search_app.engine.matching import Matches

#: Facets counted on every result page, from the documents' metadata in the manifest.
FACETS = ("source", "source_type", "language", "year")


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int
    #: what the page shows, where it is not the value itself (an entity's name)
    label: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """Return the value in the API's shape: a label only where there is one."""
        shape: dict[str, Any] = {"value": self.value, "count": self.count}
        if self.label is not None:
            shape["label"] = self.label
        return shape


def _facet_values(entry: dict[str, Any]) -> dict[str, Any]:
    date = entry.get("date")
    return {
        "source": entry.get("source"),
        "source_type": entry.get("source_type"),
        "language": entry.get("language"),
        "year": iso_span(date)[0].year if date else None,
    }


def metadata_facets(
    arrays: IndexArrays, found: Matches, documents: dict[str, dict[str, Any]]
) -> dict[str, list[FacetValue]]:
    """Count matching passages by source, type, language and year, from their documents."""
    facets = {}
    per_document = arrays.document_counts(found)
    for name in FACETS:

        def value_of(doc_id: str, name: str = name) -> Any:
            entry = documents.get(doc_id)  # None: removed while this search ran
            value = _facet_values(entry)[name] if entry is not None else None
            return None if value == "" else value

        counts = arrays.count_by(per_document, name, value_of)
        listed = [FacetValue(str(value), count) for value, count in counts.items()]
        if name == "year":
            listed.sort(key=lambda f: f.value, reverse=True)
        else:
            listed.sort(key=lambda f: (-f.count, f.value))
        facets[name] = listed
    return facets


def entity_facets(
    arrays: IndexArrays, searcher: Searcher, found: Matches, generation: Generation
) -> dict[str, list[FacetValue]]:
    """Count the matching passages that name each register entry, one facet per kind."""
    if not generation.register.entries:
        return {}
    by_kind = count_by_kind(arrays.mentions(searcher), found, generation.register)
    return {
        kind: [FacetValue(n.entry.slug, n.count, n.entry.name) for n in named]
        for kind, named in by_kind.items()
    }


def count_facets(
    arrays: IndexArrays, searcher: Searcher, found: Matches, generation: Generation
) -> dict[str, list[FacetValue]]:
    """Count the matching passages of every facet: metadata first, then the register's."""
    facets = metadata_facets(arrays, found, generation.documents)
    facets.update(entity_facets(arrays, searcher, found, generation))
    return facets
