"""E-mails saved as ``.eml``: the message's text, its headers as metadata, its attachments.

The subject is the title, the ``Date:`` header the date (the day as the sender's clock gave it),
the sender the author. The body is the plain-text part, or the main text of the HTML part when
there is no plain one. Each attachment is a document of its own, linked to the message
(``attached_to``): ``search-app add`` writes it out as a file beside the message; for a message
copied into the corpus by hand, the index reads it from the message (:func:`read_attachments`),
and the site serves it from there (:func:`read_attachment`).
"""

from __future__ import annotations

import email.policy
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path, PurePosixPath

from search_app.corpus.extraction import ExtractionError, html_main_text


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes


@dataclass(frozen=True)
class MailText:
    text: str
    markdown: bool
    fields: dict[str, str] = field(default_factory=dict)
    attachments: tuple[Attachment, ...] = ()


def _header(message: EmailMessage, name: str) -> str | None:
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError):  # a header the parser cannot make sense of
        return None
    text = " ".join(str(value).split()) if value is not None else ""
    return text or None


def _day(value: str | None) -> str | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


#: Bytes of an attachment's file name kept (file systems allow 255; Persian letters take two).
MAX_NAME_BYTES = 150


def _safe_name(name: str | None, number: int, suffix: str = ".bin") -> str:
    """An attachment's own file name, reduced to one safe path part of at most
    :data:`MAX_NAME_BYTES` bytes (its extension kept)."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")
    if not base or base.startswith(("_", ".")):
        base = f"attachment-{number}" + (PurePosixPath(base).suffix if base else suffix)
    if len(base.encode()) > MAX_NAME_BYTES:
        ending = PurePosixPath(base).suffix[:20]
        stem = base[: len(base) - len(PurePosixPath(base).suffix)]
        room = MAX_NAME_BYTES - len(ending.encode())
        base = stem.encode()[:room].decode(errors="ignore").rstrip(" .") + ending
    return base


#: An e-mail attached whole (forwarded "as an attachment"): kept as an ``.eml`` file of its own.
FORWARDED = "message/rfc822"


def _forwarded(part: EmailMessage) -> EmailMessage | None:
    """The e-mail a ``message/rfc822`` part holds, if it holds one."""
    inner = part.get_payload()
    forwarded = inner[0] if isinstance(inner, list) and inner else None
    return forwarded if isinstance(forwarded, EmailMessage) else None


def _part_name(part: EmailMessage, number: int) -> str:
    """The file name an attachment is known by: its own, made safe; a forwarded e-mail's ends in
    ``.eml``, and without a name of its own it is named by its subject, as mail programs do."""
    if part.get_content_type() != FORWARDED:
        return _safe_name(part.get_filename(), number)
    name = part.get_filename()
    if not name:
        forwarded = _forwarded(part)
        subject = _header(forwarded, "Subject") if forwarded is not None else None
        name = f"{subject}.eml" if subject else None
    name = _safe_name(name, number, ".eml")
    return name if name.lower().endswith(".eml") else f"{name}.eml"


def _parse(source: Path | bytes) -> EmailMessage:
    """A saved e-mail, from its file or its bytes (an e-mail attached to another)."""
    parser = BytesParser(policy=email.policy.default)
    try:
        if isinstance(source, bytes):
            message = parser.parsebytes(source)
        else:
            with source.open("rb") as handle:
                message = parser.parse(handle)
    except (OSError, ValueError) as error:
        raise ExtractionError(f"cannot read the message ({error})") from None
    assert isinstance(message, EmailMessage)
    return message


def _decode_error(error: Exception) -> ExtractionError:
    return ExtractionError(f"cannot decode the message ({type(error).__name__}: {error})")


#: What decoding a part of a message may raise: unknown charsets, broken encodings...
_DECODING = (LookupError, ValueError, TypeError, AttributeError)


def _parts(message: EmailMessage) -> Iterator[tuple[str, EmailMessage]]:
    """The message's attachments, each with the safe file name it is known by."""
    for number, part in enumerate(message.iter_attachments(), start=1):
        yield _part_name(part, number), part


def _payload(part: EmailMessage) -> bytes:
    """An attachment's bytes: decoded, or a forwarded e-mail written out whole."""
    if part.get_content_type() == FORWARDED:
        forwarded = _forwarded(part)
        try:  # written out again from what was parsed: headers the writer refuses lose it
            return bytes(forwarded) if forwarded is not None else b""
        except Exception:
            return b""
    data = part.get_payload(decode=True)
    return data if isinstance(data, bytes) else b""


def _attachments(message: EmailMessage) -> tuple[Attachment, ...]:
    """The message's attachments that hold something, each under a safe file name."""
    try:
        found = ((name, _payload(part)) for name, part in _parts(message))
        return tuple(Attachment(name, data) for name, data in found if data)
    except _DECODING as error:
        raise _decode_error(error) from None


def read_attachments(path: Path) -> tuple[Attachment, ...]:
    """Return a saved e-mail's attachments, whether or not it has text of its own.

    :raises ExtractionError: when the message cannot be read.
    """
    return _attachments(_parse(path))


def read_attachment(message: Path | bytes, filename: str) -> bytes:
    """Return the attachment named ``filename`` (as :func:`read_attachments` names it) of a
    message (its file, or its bytes), the only one decoded.

    :raises ExtractionError: when the message cannot be read or no longer has it.
    """
    try:
        for name, part in _parts(_parse(message)):
            if name == filename and (data := _payload(part)):
                return data
    except _DECODING as error:
        raise _decode_error(error) from None
    raise ExtractionError(f"the message has no attachment named {filename!r} any more")


def read_mail(path: Path) -> MailText:
    """Read a saved e-mail.

    :raises ExtractionError: when it has no text part.
    """
    message = _parse(path)
    fields = {
        name: value
        for name, value in {
            "title": _header(message, "Subject"),
            "date": _day(_header(message, "Date")),
            "author": _header(message, "From"),
        }.items()
        if value
    }
    attachments = _attachments(message)
    try:
        body = message.get_body(preferencelist=("plain", "html"))
        content = body.get_content() if body is not None else ""
    except _DECODING as error:
        raise _decode_error(error) from None
    is_html = body is not None and body.get_content_subtype() == "html"
    if is_html:
        content = html_main_text(content).markdown
    if not str(content).strip():
        raise ExtractionError("the message has no text (only attachments?)")
    return MailText(str(content).strip(), is_html, fields, attachments)
