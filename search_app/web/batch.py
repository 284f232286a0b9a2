"""The batch search page: a list of names, pasted or uploaded, each searched as a name."""

from __future__ import annotations

from typing import Any

from flask import Response, render_template, request, url_for

from search_app.engine.batching import read_lines, run_batch
from search_app.engine.documents import overview
from search_app.engine.exporting import batch_csv, batch_json
from search_app.web.lanes import heavy_lane
from search_app.web.links import citation_link_builder
from search_app.web.params import (
    BadRequest,
    canonical_args,
    read_request,
    search_index,
    settings,
    single,
)
from search_app.web.views import bp

BATCH_UPLOAD_BYTES = 256 * 1024
BATCH_FORMATS = ("csv", "json")


#: A batch whose GET link would be longer than this is not offered as a link.
MAX_PERMALINK = 2000


@bp.route("/batch", methods=["GET", "POST"])
def batch_page() -> Any:
    """Search a list of names: pasted (GET for short lists, POST) or uploaded (text or CSV)."""
    request.max_content_length = BATCH_UPLOAD_BYTES
    source = request.form if request.method == "POST" else request.args
    names = source.get("names", "")
    table = False  # pasted text is one name per line, whatever commas it has
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        table = upload.filename.lower().endswith(".csv")
        try:
            names = upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BadRequest("The uploaded file is not UTF-8 text: save it as UTF-8.") from None
    filters = read_request(source)
    kind = single(source, "format")
    if kind is not None and kind not in BATCH_FORMATS:
        raise BadRequest(f"format must be csv or json, not {kind!r}.")
    lines = read_lines(names, table=table)
    if not lines:
        if kind is not None:
            raise BadRequest("Give the names to search, one per line, as names=…")
        return render_template(
            "batch.html",
            result=None,
            names=names,
            req=filters,
            batch_lines=settings().batch_lines,
            sources=overview(search_index(), listed=0).sources,
        )
    with heavy_lane():
        result = run_batch(
            search_index(), lines, exact=filters.exact, filters=filters, limits=settings()
        )
    link = citation_link_builder(filters, bool(settings().citation_query))
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
        sources=overview(search_index(), listed=0).sources,
    )
