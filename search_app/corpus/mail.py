"""E-mails saved as ``.eml``: the message's text, its headers as metadata, its attachments.

The subject is the title, the ``Date:`` header the date (the day as the sender's clock gave it),
the sender the author. The body is the plain-text part, or the main text of the HTML part when
there is no plain one. Attachments are returned whole: ``search-app add`` stores each as a
document of its own, linked to the message (``attached_to``).
"""

from __future__ import annotations

import email.policy
import email.utils
import re
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


def _safe_name(name: str | None, number: int) -> str:
    """An attachment's own file name, reduced to one safe path part."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .")
    if not base or base.startswith(("_", ".")):
        base = f"attachment-{number}" + (PurePosixPath(base).suffix if base else ".bin")
    return base


def read_mail(path: Path) -> MailText:
    """Read a saved e-mail.

    :raises ExtractionError: when it has no text part.
    """
    try:
        with path.open("rb") as handle:
            message = BytesParser(policy=email.policy.default).parse(handle)
    except (OSError, ValueError) as error:
        raise ExtractionError(f"cannot read the message ({error})") from None
    assert isinstance(message, EmailMessage)
    fields = {
        name: value
        for name, value in {
            "title": _header(message, "Subject"),
            "date": _day(_header(message, "Date")),
            "author": _header(message, "From"),
        }.items()
        if value
    }
    attachments = []
    try:
        body = message.get_body(preferencelist=("plain", "html"))
        content = body.get_content() if body is not None else ""
        for number, part in enumerate(message.iter_attachments(), start=1):
            data = part.get_payload(decode=True)
            if isinstance(data, bytes) and data:
                attachments.append(Attachment(_safe_name(part.get_filename(), number), data))
    except (LookupError, ValueError, TypeError, AttributeError) as error:  # unknown charsets...
        raise ExtractionError(
            f"cannot decode the message ({type(error).__name__}: {error})"
        ) from None
    is_html = body is not None and body.get_content_subtype() == "html"
    if is_html:
        content = html_main_text(content).markdown
    if not str(content).strip():
        raise ExtractionError("the message has no text (only attachments?)")
    return MailText(str(content).strip(), is_html, fields, tuple(attachments))
