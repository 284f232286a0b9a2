"""Downloads: matching passages as CSV or JSON, and their documents as RIS or CSL-JSON.

Spreadsheets execute cells that start with ``=``, ``+``, ``-`` or ``@``; such cells are prefixed
with an apostrophe in CSV so that a hostile document cannot run a formula on a researcher's machine.
CSV starts with a UTF-8 byte-order mark, without which spreadsheet programs misread Persian text.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from search_app.engine.batching import BatchResult
from search_app.engine.citations import WorkLink, citation, csl_json, ris
from search_app.engine.result_json import LinkBuilder, hit_as_dict
from search_app.engine.results import Export

CSV_COLUMNS = (
    "rank", "source", "title", "date", "page", "passage", "link", "url", "source_type",
    "language", "doc_id", "text",
)  # fmt: skip
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Spreadsheet programs read a CSV file as UTF-8 only when it starts with this.
BOM = "\ufeff"
#: Download formats of a result page: file name (given the query's words) and media type.
#: CSV and JSON hold the passages; RIS and CSL-JSON their documents, for reference managers.
FORMATS = {
    "csv": ("passages-{}.csv", "text/csv"),
    "json": ("passages-{}.json", "application/json"),
    "ris": ("documents-{}.ris", "application/x-research-info-systems"),
    "csl": ("documents-{}.csl.json", "application/vnd.citationstyles.csl+json"),
}


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return "" if value is None else value


def _csv_writer() -> tuple[io.StringIO, Any]:
    out = io.StringIO()
    out.write(BOM)
    return out, csv.writer(out, lineterminator="\r\n")


def export_csv(export: Export, link: LinkBuilder) -> str:
    """Return the exported passages as CSV text, one row per passage, with a header row."""
    out, writer = _csv_writer()
    writer.writerow(CSV_COLUMNS)
    q = export.request.q
    for rank, hit in enumerate(export.hits, start=1):
        row = {
            "rank": rank,
            "source": hit.source,
            "title": hit.title,
            "date": hit.date,
            "page": hit.page,
            "passage": hit.passage,
            "link": link(hit.doc_id, hit.passage, q),
            "url": hit.url,
            "source_type": hit.source_type,
            "language": hit.language,
            "doc_id": hit.doc_id,
            "text": hit.text,
        }
        writer.writerow([_cell(row[name]) for name in CSV_COLUMNS])
    return out.getvalue()


def export_json(export: Export, link: LinkBuilder) -> str:
    """Return the exported passages as JSON: the query, counts, the cap, and every passage with
    its text and citation."""
    q = export.request.q
    results = []
    for hit in export.hits:
        item = hit_as_dict(hit, q, link)
        item["text"] = hit.text
        item["citation"] = citation(export.work(hit), hit.passage, hit.page, hit.text, item["link"])
        results.append(item)
    return json.dumps(
        {
            "query": q,
            "total": export.total,
            "exported": len(export.hits),
            "cap": export.cap,
            "partial": export.partial,
            "results": results,
        },
        ensure_ascii=False,
        indent=1,
    )


def export_ris(export: Export, link: WorkLink, file: WorkLink) -> str:
    """Return the documents of the exported passages as RIS records, in result order."""
    return ris(export.works.values(), link, file)


def export_csl(export: Export, link: WorkLink, file: WorkLink) -> str:
    """Return the documents of the exported passages as CSL-JSON items, in result order."""
    return csl_json(export.works.values(), link, file)


BATCH_COLUMNS = (
    "line", "name", "status", "passages", "documents", "variants", "reason", "rank", "source",
    "title", "date", "page", "link", "text", "surname", "surname_alone",
)  # fmt: skip


def _variants_text(variants: tuple[tuple[str, tuple[str, ...]], ...]) -> str:
    return "; ".join(f"{word}: {', '.join(also)}" for word, also in variants)


def batch_csv(result: BatchResult, link: LinkBuilder) -> str:
    """Return a batch as CSV: a row per top passage, and a row for each line without one."""
    out, writer = _csv_writer()
    writer.writerow(BATCH_COLUMNS)
    for line in result.summary:
        common = {
            "line": line.number,
            "name": line.text,
            "status": line.status,
            "passages": line.passages,
            "documents": line.documents,
            "variants": _variants_text(line.variants),
            "reason": line.reason,
            "surname": line.alone[0] if line.alone else None,
            "surname_alone": line.alone[1] if line.alone else None,
        }
        rows = [
            {
                **common,
                "rank": rank,
                "source": hit.source,
                "title": hit.title,
                "date": hit.date,
                "page": hit.page,
                "link": link(hit.doc_id, hit.passage, line.query),
                "text": hit.text,
            }
            for rank, hit in enumerate(line.top, start=1)
        ] or [common]
        for row in rows:
            writer.writerow([_cell(row.get(name)) for name in BATCH_COLUMNS])
    return out.getvalue()


def batch_json(result: BatchResult, link: LinkBuilder) -> str:
    """Return a batch as JSON: every line with its counts, variants and top passages."""
    return json.dumps(
        {
            "stopped": result.stopped,
            "lines": [
                {
                    "line": line.number,
                    "name": line.text,
                    "query": line.query,
                    "status": line.status,
                    "reason": line.reason,
                    "passages": line.passages,
                    "documents": line.documents,
                    "variants": [{"word": w, "also": list(a)} for w, a in line.variants],
                    "top": [hit_as_dict(hit, line.query, link) for hit in line.top],
                    "alone": (
                        {"word": line.alone[0], "passages": line.alone[1]} if line.alone else None
                    ),
                }
                for line in result.summary
            ],
        },
        ensure_ascii=False,
        indent=1,
    )
