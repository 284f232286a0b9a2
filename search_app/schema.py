"""The Whoosh schema: one index document per passage, carrying its document's metadata.

Bump :data:`SCHEMA_VERSION` whenever a field or analyzer changes: an index built with another
version is treated as missing and rebuilt in full.
"""

from __future__ import annotations

from whoosh.fields import ID, NUMERIC, STORED, TEXT, Schema

from search_app.analysis import english_analyzer

SCHEMA_VERSION = 1


def build_schema() -> Schema:
    """Return the schema of a passage index."""
    analyzer = english_analyzer()
    return Schema(
        passage_id=ID(unique=True, stored=True),
        doc_id=ID(stored=True, sortable=True),
        number=NUMERIC(stored=True, sortable=True),
        page=NUMERIC(stored=True),
        text=TEXT(analyzer=analyzer, stored=True, phrase=True),
        markdown=STORED,
        title=TEXT(analyzer=analyzer, stored=True),
        source=ID(stored=True, sortable=True),
        source_type=ID(stored=True, sortable=True),
        language=ID(stored=True, sortable=True),
        date=ID(stored=True, sortable=True),
        year=NUMERIC(sortable=True),
        url=STORED,
        doc_format=STORED,
    )
