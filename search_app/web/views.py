"""The pages and the JSON API: requests turned into core calls, results into HTML and JSON.

Every view reads its parameters with :mod:`search_app.web.params` (a non-canonical URL is
redirected, a bad one is a 400 page or ``{"error"}`` under ``/api/``) and builds its links with
:mod:`search_app.web.links`; the work itself is the engine's.
"""

from __future__ import annotations

import io
import re
from dataclasses import asdict, replace
from pathlib import Path, PurePosixPath
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from markupsafe import Markup

from search_app.corpus.rendering import is_http_url, strip_bidi_controls
from search_app.corpus.solar_calendar import solar_label
from search_app.engine.citations import Work, citation
from search_app.engine.documents import (
    MATCHES_LISTED,
    PASSAGES_PER_PART,
    DocumentView,
    get_document,
    original_file,
    overview,
    part_of,
    stats,
)
from search_app.engine.exporting import FORMATS, export_csl, export_csv, export_json, export_ris
from search_app.engine.facets import FACETS
from search_app.engine.queries import QueryError
from search_app.engine.result_json import result_as_dict
from search_app.engine.results import ResultPage, SearchRequest
from search_app.engine.searching import complete, export, search
from search_app.engine.spellingviews import spellings_of
from search_app.engine.wording import counted, matches_line
from search_app.web.lanes import heavy_lane, is_heavy
from search_app.web.links import (
    citation_link_builder,
    entity_href,
    entity_link,
    facet_link,
    link_builder,
    passage_link,
    search_url,
)
from search_app.web.params import (
    BadRequest,
    canonical_args,
    exact_switch,
    is_canonical,
    read_request,
    search_index,
    settings,
    single,
)

bp = Blueprint("search", __name__)

#: The kinds of register entry, as facet headings and on the list of names.
ENTITY_KINDS = {
    "person": "People",
    "place": "Places",
    "organisation": "Organisations",
    "event": "Events",
}
#: Values of each facet listed on a result page; a link leads to all of them.
FACETS_SHOWN = 20

EXAMPLE_SEARCHES = (
    "death commission",
    '"mass graves"',
    "independent investigation",
    "Raisi",
    "Khomeyni",
)


def as_markup(fragment: str) -> Markup:
    """Mark HTML that the core built (every character of user text escaped) as safe to output.

    This is the one place where a string becomes ``Markup``; templates never use ``|safe``.
    """
    return Markup(fragment)


def without_bidi_controls(value: Any) -> Any:
    """Drop bidi controls from every value a template prints (Jinja's ``finalize``), so that no
    title, source or passage can reorder the page around it; Markup stays Markup."""
    if not isinstance(value, str) or value.isascii():  # most values: no bidi control can be in
        return value
    if isinstance(value, Markup):
        return as_markup(strip_bidi_controls(value))
    return strip_bidi_controls(value)


def _run_search(req: SearchRequest) -> ResultPage:
    try:
        with heavy_lane(is_heavy(req.q)):
            result = search(search_index(), req, settings())
    except QueryError as error:
        raise BadRequest(str(error)) from None
    if req.page > result.pages:
        abort(404, f"Page {req.page} is past the last page of results ({result.pages}).")
    return result


@bp.get("/")
def home() -> str:
    return render_template(
        "index.html", overview=overview(search_index()), examples=EXAMPLE_SEARCHES
    )


def _work_link(work: Work) -> str:
    return url_for("search.document", doc_id=work.doc_id, _external=True)


def _file_link(work: Work) -> str:
    return url_for("search.original", doc_id=work.doc_id, _external=True)


def _download(req: SearchRequest, kind: str) -> Response:
    cap = settings().export_cap
    try:
        with heavy_lane():
            found = export(search_index(), req, cap, settings())
    except QueryError as error:
        raise BadRequest(str(error)) from None
    link = citation_link_builder(req, bool(settings().citation_query))
    name = re.sub(r"[^\w-]+", "-", req.q, flags=re.ASCII).strip("-")[:60] or "search"
    if kind == "csv":
        body = export_csv(found, link)
    elif kind == "json":
        body = export_json(found, link)
    elif kind == "ris":
        body = export_ris(found, _work_link, _file_link)
    else:
        body = export_csl(found, _work_link, _file_link)
    filename, mimetype = FORMATS[kind]
    filename = filename.format(name)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Total-Count"] = str(found.total)
    response.headers["X-Export-Cap"] = str(cap)
    if found.partial:
        response.headers["X-Partial"] = "time limit reached"
    return response


@bp.get("/spellings")
def spellings_page() -> str:
    """Show the spellings a search for a word also covers, and how to change them."""
    word = single(request.args, "word") or ""
    try:
        found = spellings_of(search_index(), word, settings())
    except QueryError as error:
        raise BadRequest(str(error)) from None
    return render_template("spellings.html", word=found[0].text, spellings=found)


def page_citations(req: SearchRequest, result: ResultPage) -> dict[tuple[str, int], str]:
    """Return the citation of each passage of a result page, by (document, passage)."""
    link = citation_link_builder(req, bool(settings().citation_query))
    return {
        (hit.doc_id, hit.passage): citation(
            result.work(hit), hit.passage, hit.page, hit.text, link(hit.doc_id, hit.passage, req.q)
        )
        for hit in result.hits
    }


@bp.get("/search")
def search_page() -> Any:
    req = read_request(request.args)
    kind = single(request.args, "format")
    if kind is not None:
        if kind not in FORMATS:
            raise BadRequest(f"format must be one of {', '.join(FORMATS)}, not {kind!r}.")
        if not req.q and not req.entities:
            raise BadRequest("Give the query as q=… to download its passages.")
        if req.within == "document":
            raise BadRequest("Downloads list passages: remove within=document to download.")
        return _download(req, kind)
    if not req.q and not req.entities:
        return redirect(url_for("search.home"))
    canonical = canonical_args(req)
    if not is_canonical(request.args, canonical):
        return redirect(url_for("search.search_page", **canonical))
    result = _run_search(req)
    citations = page_citations(req, result)
    return render_template(
        "search.html",
        result=result,
        facets_shown=FACETS_SHOWN,
        req=req,
        args=canonical_args,
        page_size=settings().page_size,
        export_cap=settings().export_cap,
        citations=citations,
    )


@bp.get("/facets/<name>")
def facet_values(name: str) -> Any:
    """Every value of one facet of a search (a result page shows the most frequent only)."""
    if name not in FACETS:
        abort(404, f"There is no facet {name!r}; the facets are {', '.join(FACETS)}.")
    req = read_request(request.args)
    if not req.q:
        raise BadRequest("Give the query as q=… to list the values of a facet.")
    canonical = canonical_args(req, page=None)
    if not is_canonical(request.args, canonical):
        return redirect(url_for("search.facet_values", name=name, **canonical))
    result = _run_search(replace(req, page=1))
    return render_template(
        "facet.html", result=result, req=req, name=name, args=canonical_args, all_values=True
    )


@bp.get("/api/search")
def api_search() -> Response:
    req = read_request(request.args)
    if not req.q and not req.entities:
        raise BadRequest("Give the query as q=…, e.g. /api/search?q=death+commission")
    result = _run_search(req)
    return jsonify(result_as_dict(result, link_builder(req)))


@bp.get("/api/suggest")
def api_suggest() -> Response:
    """Completions in the OpenSearch suggestions format: ``[typed, [completion, ...]]``."""
    typed = single(request.args, "q") or ""
    if len(typed) > settings().max_query_length:
        raise BadRequest(f"q is longer than {settings().max_query_length} characters.")
    return Response(
        current_app.json.dumps([typed, complete(search_index(), typed)]),
        mimetype="application/x-suggestions+json",
    )


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    xml = render_template("opensearch.xml")
    return Response(xml, mimetype="application/opensearchdescription+xml")


def _document_or_404(doc_id: str, q: str | None, exact: bool, part: int | None) -> DocumentView:
    with heavy_lane(is_heavy(q)):
        document = get_document(
            search_index(), doc_id, q, exact, settings(), part, entity_href=entity_href
        )
    if document is None:
        if part is not None and part > 1 and get_document(search_index(), doc_id) is not None:
            abort(404, f"The document {doc_id!r} has fewer than {part} parts.")
        abort(404, f"There is no document {doc_id!r} in the index.")
    return document


def _document_args() -> tuple[str | None, bool, int | None]:
    """Read a document's ``q``, ``exact`` and ``part`` (``None`` when not given)."""
    part = single(request.args, "part")
    if part is not None and not (_PART.fullmatch(part) and int(part) >= 1):
        raise BadRequest(f"part must be a number from 1, not {part!r}.")
    return single(request.args, "q"), exact_switch(request.args), int(part) if part else None


_PART = re.compile(r"[0-9]{1,6}")


@bp.get("/doc/<path:doc_id>")
def document(doc_id: str) -> str:
    """One part of a document (the first when none is asked for), with the query's words marked.

    A link to passage ``n`` carries its part; an old link without it opens the first part,
    whose script moves to the part holding ``#p-n`` (and which lists every part as a link).
    """
    q, exact, part = _document_args()
    problem = None
    try:
        view = _document_or_404(doc_id, q, exact, part or 1)
    except QueryError as error:  # a link must still open its document, unmarked
        problem = f"{error} The document is shown without highlights."
        view = _document_or_404(doc_id, None, exact, part or 1)
    return render_template(
        "doc.html",
        doc=view,
        q=q or "",
        exact=exact,
        problem=problem,
        part_size=PASSAGES_PER_PART,
        matches_listed=MATCHES_LISTED,
    )


ORIGINAL_TYPES = {".pdf": "application/pdf"}


@bp.get("/file/<path:doc_id>")
def original(doc_id: str) -> Response:
    """Serve the original file: PDFs to view (``#page=N`` opens a page), the rest to download."""
    found = original_file(search_index(), settings().corpus_dir, doc_id)
    if found is None:
        abort(404, f"There is no original file for {doc_id!r}.")
    # a file of the corpus, or an attachment as its e-mail holds it
    name = found.name if isinstance(found, Path) else found.filename
    mimetype = ORIGINAL_TYPES.get(PurePosixPath(name).suffix.lower())
    response = send_file(
        found if isinstance(found, Path) else io.BytesIO(found.data),
        mimetype=mimetype or "application/octet-stream",
        as_attachment=mimetype is None,  # never render a saved web page on this site
        download_name=name,
    )
    if mimetype is None:
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.get("/api/doc/<path:doc_id>")
def api_document(doc_id: str) -> Response:
    q, exact, part = _document_args()
    try:
        view = _document_or_404(doc_id, q, exact, part)
    except QueryError as error:
        raise BadRequest(str(error)) from None
    data = asdict(view)
    data["url"] = view.url if is_http_url(view.url) else None
    data["matched"] = view.matched
    data["link"] = url_for("search.document", doc_id=doc_id, _external=True)
    return jsonify(data)


@bp.get("/healthz")
def healthz() -> Response:
    generation, documents, passages = stats(search_index())
    return jsonify(status="ok", documents=documents, passages=passages, generation=generation)


def entity_name(slug: str) -> str:
    """Return the name of a register entry, for pages (its id when the register lacks it)."""
    entry = search_index().register().get(slug)
    return entry.name if entry is not None else slug


#: How facets and filters are named on the page: years are publication years.
FACET_NAMES = {
    "source": "Source",
    "source_type": "Source type",
    "language": "Language",
    "year": "Publication year",
}
FILTER_NAMES = {
    "source": "source",
    "source_type": "source type",
    "language": "language",
    "from": "published from",
    "to": "published to",
    "doc": "document",
}

TEMPLATE_HELPERS: dict[str, Any] = {
    "entity_link": entity_link,
    "entity_href": entity_href,
    "entity_name": entity_name,
    "entity_kinds": ENTITY_KINDS,
    "facet_names": FACET_NAMES,
    "filter_names": FILTER_NAMES,
    "counted": counted,
    "matches_line": matches_line,
    "facet_link": facet_link,
    "passage_link": passage_link,
    "search_url": search_url,
    "is_http_url": is_http_url,
    "solar_label": solar_label,
    "part_of": part_of,
}
