"""The Whoosh schema: one index document per passage, carrying its document's metadata.

Text is indexed twice: stemmed (``text``, ``title``) for ordinary searches and as written
(``text_exact``, ``title_exact``) for quoted phrases and exact searches. Metadata used for
filters is kept in ID fields holding the value as given; facets and date sorts are read from the
manifest, so only ``doc_id`` needs a column (the passage-to-document map of a search).

Bump :data:`SCHEMA_VERSION` whenever a field or analyzer changes, or what is stored from a file
does: an index built with another version is treated as missing and rebuilt in full.
"""

from __future__ import annotations

from typing import Any

from whoosh.fields import ID, KEYWORD, NUMERIC, STORED, TEXT, Schema

from search_app.engine.analysis import exact_analyzer, stemmed_analyzer

#: 14: an e-mail copied in by hand gives its attachments (and e-mails attached whole) as
#: documents of their own.
#: 13: a passage's id is stored, not indexed.
#: 12: a Markdown heading underlined with dashes is indexed without them.
#: 11: the manifest keeps each document's exact field lengths (ranking statistics after updates).
#: 10: ocr per passage (read by OCR from a scan).
#: 9: the spellings of names an index groups (``names.json``, ``spellings.json``).
#: 8: each passage records the register's names it mentions.
#: 7: a saved page's text that looks like HTML is kept as text; passages carry the definitions of
#: the reference-style links they use.
SCHEMA_VERSION = 14

#: The fields a user may name in a query (``title:…``, ``source:…``), besides the default text.
QUERY_FIELDS = ("text", "text_exact", "title", "title_exact", "source")
#: The field "Did you mean" takes its words from (and the text's prefixes and ``~`` words).
SPELLING_FIELD = "text_exact"
#: Stemmed field -> field with the words as written.
EXACT_FIELDS = {"text": "text_exact", "title": "title_exact", "source": "source"}


def build_schema() -> Schema:
    """Return the schema of a passage index."""
    stemmed = stemmed_analyzer()
    exact = exact_analyzer()
    return Schema(
        # kept, never searched (deletions go by doc_id): an index term per passage cost a
        # third of the index's terms
        passage_id=STORED,
        doc_id=ID(stored=True, sortable=True),
        # kept, never searched: the passage's place in its document, and its PDF page
        number=STORED,
        page=STORED,
        # true when OCR read the passage from a scan (its text may have errors)
        ocr=STORED,
        # phrases are searched in text_exact, so the stemmed field keeps no positions
        text=TEXT(analyzer=stemmed, stored=True, phrase=False),
        text_exact=TEXT(analyzer=exact, phrase=True),
        markdown=STORED,
        title=TEXT(analyzer=stemmed, stored=True, phrase=False),
        title_exact=TEXT(analyzer=exact),
        source=TEXT(analyzer=exact, field_boost=0.5),
        source_facet=ID(stored=True),
        source_type=ID(stored=True),
        language=ID(stored=True),
        date=STORED,
        # the first and last day the date covers, as YYYYMMDD: "1988" is 19880101-19881231
        # a corpus holds few distinct dates: one term per value, not eight tiers of them
        date_start=NUMERIC(shift_step=0),
        date_end=NUMERIC(shift_step=0),
        url=STORED,
        # the ids of the register's entries the passage names (search_app.names.mentions)
        entities=KEYWORD(scorable=False),
    )


def stored(fields: dict[str, Any], name: str) -> Any:
    """Return a stored value, or ``None`` where the index keeps ``""`` for "not given"."""
    value = fields.get(name)
    return None if value in ("", None) else value


def query_schema() -> Schema:
    """Return the part of the schema a query may name: unknown field names stay plain words."""
    full = build_schema()
    return Schema(**{name: full[name] for name in QUERY_FIELDS})
