"""The web layer: turn GET requests into core calls and core results into pages and JSON.

All state lives in the query string, so every page is a link that can be shared. Parameters are
read once, in :func:`read_request`, into a canonical form; a URL that is not canonical is
redirected to the one that is. Bad input is a 400 page (or ``{"error"}`` under ``/api/``) that
says what to change.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import quote_plus, urlencode

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from markupsafe import Markup

from search_app.batching import read_lines, run_batch
from search_app.config import Settings
from search_app.documents import DocumentView, get_document, original_file, overview, stats
from search_app.exporting import batch_csv, batch_json, citation, export_csv, export_json
from search_app.queries import QueryError
from search_app.readers import SearchIndex
from search_app.rendering import is_http_url
from search_app.searching import (
    FILTERS,
    SORTS,
    ResultPage,
    SearchRequest,
    complete,
    export,
    parse_year,
    result_as_dict,
    search,
    year_span,
)
from search_app.solar_calendar import solar_label

bp = Blueprint("search", __name__)

#: Query-string parameters of a search, in their canonical order.
PARAMETERS = ("q", *FILTERS, "from", "to", "doc", "sort", "exact", "page")
EXPORT_FORMATS = ("csv", "json")
MAX_PARAMETER_LENGTH = 300
_NUMBER = re.compile(r"[0-9]{1,9}")  # ASCII digits only: str.isdigit() accepts "²"
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


def settings() -> Settings:
    return current_app.extensions["search_app.settings"]


def search_index() -> SearchIndex:
    return current_app.extensions["search_app.index"]


@dataclass(frozen=True)
class BadRequest(Exception):
    message: str


def _single(args: Mapping[str, Any], name: str) -> str | None:
    values = args.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"Give {name!r} once, not {len(values)} times.")
    value = values[0].strip() if values else ""
    if len(value) > MAX_PARAMETER_LENGTH and name != "q":
        raise BadRequest(f"{name!r} is too long (over {MAX_PARAMETER_LENGTH} characters).")
    return value or None


def _exact(args: Mapping[str, Any]) -> bool:
    """Read the ``exact`` switch: 1 on, 0 or absent off."""
    value = _single(args, "exact")
    if value not in (None, "1", "0"):
        raise BadRequest(f"exact must be 1 (on) or 0 (off), not {value!r}.")
    return value == "1"


def read_request(args: Mapping[str, Any]) -> SearchRequest:
    """Read and validate the search parameters of a query string.

    :raises BadRequest: naming the parameter that is wrong.
    """
    values = {name: _single(args, name) for name in PARAMETERS}
    page_text = values["page"] or "1"
    if not _NUMBER.fullmatch(page_text) or not 1 <= int(page_text) <= settings().max_page:
        raise BadRequest(
            f"page must be a number from 1 to {settings().max_page}, not {page_text!r}."
        )
    try:
        year_from = parse_year(values["from"], "from")
        year_to = parse_year(values["to"], "to")
    except QueryError as error:
        raise BadRequest(str(error)) from None
    if year_from is not None and year_to is not None:
        if year_span(year_from)[0] > year_span(year_to)[1]:
            raise BadRequest(f"from ({year_from}) is after to ({year_to}): swap them.")
    sort = values["sort"] or "relevance"
    if sort not in SORTS:
        raise BadRequest(f"sort must be one of {', '.join(SORTS)}, not {sort!r}.")
    return SearchRequest(
        q=values["q"] or "",
        page=int(page_text),
        source=values["source"],
        source_type=values["source_type"],
        language=values["language"],
        year_from=year_from,
        year_to=year_to,
        doc=values["doc"],
        sort=sort,
        exact=_exact(args),
    )


def canonical_args(req: SearchRequest, **changes: Any) -> dict[str, Any]:
    """Return the query-string parameters of ``req`` (with ``changes``), defaults left out."""
    values: dict[str, Any] = {
        "q": req.q,
        "source": req.source,
        "source_type": req.source_type,
        "language": req.language,
        "from": req.year_from,
        "to": req.year_to,
        "doc": req.doc,
        "sort": req.sort if req.sort != "relevance" else None,
        "exact": 1 if req.exact else None,
        "page": req.page if req.page != 1 else None,
    }
    values.update(changes)
    names = (*PARAMETERS, "format")  # a download link is a result page's link plus its format
    return {name: values[name] for name in names if values.get(name) not in (None, "")}


def _is_canonical(args: Mapping[str, Any], canonical: dict[str, Any]) -> bool:
    given = [(name, value) for name, value in args.items(multi=True)]
    return given == [(name, str(value)) for name, value in canonical.items()]


def passage_link(
    doc_id: str, number: int, q: str | None, exact: bool = False, external: bool = False
) -> str:
    """Link to one passage of a document, with the query's words marked there."""
    return url_for(
        "search.document",
        doc_id=doc_id,
        q=q or None,
        exact=1 if exact else None,
        _anchor=f"p-{number}",
        _external=external,
    )


def _link_builder(req: SearchRequest) -> Callable[[str, int, str], str]:
    return lambda doc_id, number, q: passage_link(doc_id, number, q, req.exact, external=True)


def _run_search(req: SearchRequest) -> ResultPage:
    try:
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


def _download(req: SearchRequest, kind: str) -> Response:
    cap = settings().export_cap
    try:
        found = export(search_index(), req, cap, settings())
    except QueryError as error:
        raise BadRequest(str(error)) from None
    link = _link_builder(req)
    name = re.sub(r"[^\w-]+", "-", req.q, flags=re.ASCII).strip("-")[:60] or "search"
    body, mimetype = (
        (export_csv(found, link), "text/csv")
        if kind == "csv"
        else (export_json(found, link), "application/json")
    )
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="passages-{name}.{kind}"'
    response.headers["X-Total-Count"] = str(found.total)
    response.headers["X-Export-Cap"] = str(cap)
    if found.partial:
        response.headers["X-Partial"] = "time limit reached"
    return response


@bp.get("/search")
def search_page() -> Any:
    req = read_request(request.args)
    kind = _single(request.args, "format")
    if kind is not None:
        if kind not in EXPORT_FORMATS:
            raise BadRequest(f"format must be csv or json, not {kind!r}.")
        if not req.q:
            raise BadRequest("Give the query as q=… to download its passages.")
        return _download(req, kind)
    if not req.q:
        return redirect(url_for("search.home"))
    canonical = canonical_args(req)
    if not _is_canonical(request.args, canonical):
        return redirect(url_for("search.search_page", **canonical))
    result = _run_search(req)
    link = _link_builder(req)
    citations = {
        (hit.doc_id, hit.passage): citation(hit, link(hit.doc_id, hit.passage, req.q))
        for hit in result.hits
    }
    return render_template(
        "search.html",
        result=result,
        req=req,
        args=canonical_args,
        page_size=settings().page_size,
        export_cap=settings().export_cap,
        citations=citations,
    )


BATCH_UPLOAD_BYTES = 256 * 1024
#: A batch whose GET link would be longer than this is not offered as a link.
MAX_PERMALINK = 2000


@bp.route("/batch", methods=["GET", "POST"])
def batch_page() -> Any:
    """Search a list of names: pasted (GET for short lists, POST) or uploaded (text or CSV)."""
    request.max_content_length = BATCH_UPLOAD_BYTES
    source = request.form if request.method == "POST" else request.args
    names = source.get("names", "")
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        try:
            names = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadRequest("The uploaded file is not UTF-8 text: save it as UTF-8.") from None
    filters = read_request(source)
    kind = _single(source, "format")
    if kind is not None and kind not in EXPORT_FORMATS:
        raise BadRequest(f"format must be csv or json, not {kind!r}.")
    lines = read_lines(names)
    if not lines:
        if kind is not None:
            raise BadRequest("Give the names to search, one per line, as names=…")
        return render_template(
            "batch.html", result=None, names=names, req=filters, batch_lines=settings().batch_lines
        )
    result = run_batch(
        search_index(), lines, exact=filters.exact, filters=filters, limits=settings()
    )
    link = _link_builder(filters)
    if kind is not None:
        body = batch_csv(result, link) if kind == "csv" else batch_json(result, link)
        response = Response(body, mimetype="text/csv" if kind == "csv" else "application/json")
        response.headers["Content-Disposition"] = f'attachment; filename="batch.{kind}"'
        return response
    args = {**canonical_args(filters, q=None, page=None), "names": names.strip()}
    permalink = url_for("search.batch_page", **args)
    return render_template(
        "batch.html",
        result=result,
        names=names,
        req=filters,
        permalink=permalink if len(permalink) <= MAX_PERMALINK else None,
        download_args=args,
        args=canonical_args,
        batch_lines=settings().batch_lines,
    )


@bp.get("/api/search")
def api_search() -> Response:
    req = read_request(request.args)
    if not req.q:
        raise BadRequest("Give the query as q=…, e.g. /api/search?q=death+commission")
    result = _run_search(req)
    return jsonify(result_as_dict(result, _link_builder(req)))


@bp.get("/api/suggest")
def api_suggest() -> Response:
    """Completions in the OpenSearch suggestions format: ``[typed, [completion, ...]]``."""
    typed = _single(request.args, "q") or ""
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


def _document_or_404(doc_id: str, q: str | None, exact: bool) -> DocumentView:
    document = get_document(search_index(), doc_id, q, exact, settings())
    if document is None:
        abort(404, f"There is no document {doc_id!r} in the index.")
    return document


def _document_args() -> tuple[str | None, bool]:
    return _single(request.args, "q"), _exact(request.args)


@bp.get("/doc/<path:doc_id>")
def document(doc_id: str) -> str:
    q, exact = _document_args()
    problem = None
    try:
        view = _document_or_404(doc_id, q, exact)
    except QueryError as error:  # a link must still open its document, unmarked
        problem = f"{error} The document is shown without highlights."
        view = _document_or_404(doc_id, None, exact)
    return render_template("doc.html", doc=view, q=q or "", exact=exact, problem=problem)


ORIGINAL_TYPES = {".pdf": "application/pdf"}


@bp.get("/file/<path:doc_id>")
def original(doc_id: str) -> Response:
    """Serve the original file: PDFs to view (``#page=N`` opens a page), the rest to download."""
    path = original_file(search_index(), settings().corpus_dir, doc_id)
    if path is None:
        abort(404, f"There is no original file for {doc_id!r}.")
    mimetype = ORIGINAL_TYPES.get(path.suffix.lower())
    response = send_file(
        path,
        mimetype=mimetype or "application/octet-stream",
        as_attachment=mimetype is None,  # never render a saved web page on this site
        download_name=path.name,
    )
    if mimetype is None:
        response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


@bp.get("/api/doc/<path:doc_id>")
def api_document(doc_id: str) -> Response:
    q, exact = _document_args()
    try:
        view = _document_or_404(doc_id, q, exact)
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


#: What werkzeug's ``url_for`` leaves unescaped in a query string.
URL_SAFE = "!$'()*,/:;?@"


def search_url(params: Mapping[str, Any]) -> str:
    """Return the result page's URL for ``params``, encoded as ``url_for`` encodes it, without
    its routing cost: a result page has a link for each facet value, about a hundred."""
    base = g.get("search_base")
    if base is None:
        base = g.search_base = url_for("search.search_page")
    items = [(name, value) for name, value in params.items() if value is not None]
    return f"{base}?{urlencode(items, safe=URL_SAFE)}" if items else base


_VALUE = object()  # where a facet value goes in a link


def facet_link(req: SearchRequest, name: str) -> Callable[[str, bool], str]:
    """Return ``link(value, selected)``: the link that filters ``req`` by a facet value, or that
    removes the filter when it is the selected one. A page has about a hundred such links, so the
    rest of each link is encoded once."""
    names = ("from", "to") if name == "year" else (name,)
    removed = search_url(canonical_args(req, page=None, **dict.fromkeys(names)))
    items = list(canonical_args(req, page=None, **dict.fromkeys(names, _VALUE)).items())
    first = next(n for n, (key, _value) in enumerate(items) if key == names[0])
    before = urlencode(items[:first], safe=URL_SAFE)
    after = urlencode(items[first + len(names) :], safe=URL_SAFE)
    base = search_url({})

    def link(value: str, selected: bool) -> str:
        if selected:
            return removed
        quoted = quote_plus(str(value), safe=URL_SAFE)
        middle = "&".join(f"{key}={quoted}" for key in names)
        return base + "?" + "&".join(part for part in (before, middle, after) if part)

    return link


TEMPLATE_HELPERS: dict[str, Callable[..., Any]] = {
    "facet_link": facet_link,
    "passage_link": passage_link,
    "search_url": search_url,
    "is_http_url": is_http_url,
    "solar_label": solar_label,
}
