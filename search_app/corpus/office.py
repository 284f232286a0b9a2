"""Word (``.docx``), OpenDocument (``.odt``) and EPUB files: their text as Markdown, and the title,
date and author their own metadata give.

All three are ZIP archives of XML, read with the standard library (no macro, link or embedded
object is ever opened): headings become Markdown headings, so they join the paragraph after them
as in Markdown documents, and list items become list items. Dates come from the document's core
properties (when it was created), never from the file's modification time.
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from search_app.corpus.extraction import ExtractionError, html_main_text

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"
_ODF_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_OPF = "{http://www.idpf.org/2007/opf}"
_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_ISO_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
#: Characters that would turn a document's plain words into Markdown markup.
_MARKUP_CHARS = re.compile(r"([\\`*_\[\]#|~])")
#: Largest XML part read from an archive (a ZIP bomb stops here).
MAX_PART_BYTES = 100_000_000


@dataclass(frozen=True)
class OfficeText:
    markdown: str
    fields: dict[str, str] = field(default_factory=dict)


def _escape(text: str) -> str:
    return _MARKUP_CHARS.sub(r"\\\1", html.escape(text, quote=False))


def _block(text: str, heading: int = 0, item: bool = False) -> str:
    text = " ".join(text.split())
    if not text:
        return ""
    if heading:
        return "#" * min(heading, 6) + " " + _escape(text)
    return ("- " if item else "") + _escape(text)


def _join(blocks: list[str]) -> str:
    """Blocks one after another, paragraphs apart, but the items of a list together."""
    joined: list[str] = []
    for block in filter(None, blocks):
        if joined and block.startswith("- ") and joined[-1].rsplit("\n", 1)[-1].startswith("- "):
            joined[-1] += "\n" + block
        else:
            joined.append(block)
    return "\n\n".join(joined)


def _part(archive: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    return _parse_xml(name, _member(archive, info))


def _member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    """The bytes of one part of the archive, refused past ``MAX_PART_BYTES`` (a ZIP bomb)."""
    if info.file_size > MAX_PART_BYTES:
        raise ExtractionError(
            f"{info.filename} inside the file is over {MAX_PART_BYTES // 1_000_000} MB"
        )
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, EOFError, OSError) as error:
        raise ExtractionError(f"cannot unpack {info.filename} from the file ({error})") from None


def _parse_xml(name: str, data: bytes) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise ExtractionError(f"{name} inside the file is not valid XML ({error})") from None


def _open(path: Path, kind: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ExtractionError(
            f"not a readable {kind} file ({error}): open and save it again, then add it"
        ) from None


def _day(value: str | None) -> str | None:
    match = _ISO_DAY.match((value or "").strip())
    return match.group(1) if match else None


def _fields(title: str | None, date: str | None, author: str | None) -> dict[str, str]:
    values = {"title": title, "date": _day(date), "author": author}
    return {
        key: " ".join(value.split()) for key, value in values.items() if value and value.strip()
    }


def _core_properties(root: ElementTree.Element | None) -> dict[str, str]:
    if root is None:
        return {}
    return _fields(
        root.findtext(f"{_DC}title"), root.findtext(f"{_DCTERMS}created"),
        root.findtext(f"{_DC}creator"),
    )  # fmt: skip


def docx_text(path: Path) -> OfficeText:
    """Read a Word document's paragraphs (headings by their outline style) and core properties.

    :raises ExtractionError: when the file is not a readable ``.docx``.
    """
    with _open(path, "Word (.docx)") as archive:
        body = _part(archive, "word/document.xml")
        if body is None:
            raise ExtractionError("no word/document.xml inside: is it really a .docx file?")
        blocks = []
        for paragraph in body.iter(f"{_W}p"):
            style = paragraph.find(f"{_W}pPr/{_W}pStyle")
            name = (style.get(f"{_W}val") or "") if style is not None else ""
            level = re.fullmatch(r"(?i)heading\s*(\d)|title", name)
            text = "".join(
                "\t"
                if node.tag == f"{_W}tab"
                else "\n"
                if node.tag == f"{_W}br"
                else node.text or ""
                for node in paragraph.iter()
                if node.tag in {f"{_W}t", f"{_W}tab", f"{_W}br"}
            )
            numbered = paragraph.find(f"{_W}pPr/{_W}numPr") is not None
            heading = int(level.group(1) or 1) if level else 0
            blocks.append(_block(text, heading=heading, item=numbered))
        fields = _core_properties(_part(archive, "docProps/core.xml"))
    return OfficeText(_join(blocks), fields)


def odt_text(path: Path) -> OfficeText:
    """Read an OpenDocument text's headings, paragraphs and list items, and its metadata.

    :raises ExtractionError: when the file is not a readable ``.odt``.
    """
    with _open(path, "OpenDocument (.odt)") as archive:
        content = _part(archive, "content.xml")
        if content is None:
            raise ExtractionError("no content.xml inside: is it really an .odt file?")
        blocks = []
        items = {
            id(p) for item in content.iter(f"{_TEXT}list-item") for p in item.iter(f"{_TEXT}p")
        }
        for node in content.iter():
            if node.tag == f"{_TEXT}h":
                level = int(node.get(f"{_TEXT}outline-level") or 1)
                blocks.append(_block("".join(node.itertext()), heading=level))
            elif node.tag == f"{_TEXT}p":
                blocks.append(_block("".join(node.itertext()), item=id(node) in items))
        meta = _part(archive, "meta.xml")
        fields = {}
        if meta is not None:
            date = meta.findtext(f".//{_ODF_META}creation-date") or meta.findtext(f".//{_DC}date")
            fields = _fields(
                meta.findtext(f".//{_DC}title"),
                date,
                meta.findtext(f".//{_ODF_META}initial-creator"),
            )
    return OfficeText(_join(blocks), fields)


def epub_text(path: Path) -> OfficeText:
    """Read an EPUB's chapters in reading order (the spine), and its title, date and author.

    :raises ExtractionError: when the file is not a readable EPUB or has no text.
    """
    with _open(path, "EPUB") as archive:
        container = _part(archive, "META-INF/container.xml")
        rootfile = container.find(f".//{_CONTAINER}rootfile") if container is not None else None
        opf_path = rootfile.get("full-path") if rootfile is not None else None
        package = _part(archive, opf_path) if opf_path else None
        if package is None or opf_path is None:
            raise ExtractionError("no package document inside: is it really an EPUB file?")
        base = posixpath.dirname(opf_path)
        manifest = {
            item.get("id"): posixpath.normpath(posixpath.join(base, item.get("href") or ""))
            for item in package.iter(f"{_OPF}item")
        }
        chapters = []
        for ref in package.iter(f"{_OPF}itemref"):
            name = manifest.get(ref.get("idref"))
            if name is None or name not in archive.namelist():
                continue
            try:
                page = _XML_DECLARATION.sub("", _member(archive, archive.getinfo(name)).decode())
                chapters.append(html_main_text(page).markdown)
            except (ExtractionError, UnicodeDecodeError):
                continue  # a cover or a page of images: no text to index
        metadata = package.find(f"{_OPF}metadata")
        fields = {}
        if metadata is not None:
            fields = _fields(
                metadata.findtext(f"{_DC}title"), metadata.findtext(f"{_DC}date"),
                metadata.findtext(f"{_DC}creator"),
            )  # fmt: skip
    if not chapters:
        raise ExtractionError("no chapter with text found in the EPUB")
    return OfficeText("\n\n".join(chapters), fields)
