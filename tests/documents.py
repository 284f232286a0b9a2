"""Real PDF and HTML files, made by the tests themselves (no binary fixtures)."""

from __future__ import annotations

import zipfile
import zlib
from email.message import EmailMessage
from pathlib import Path
from xml.sax.saxutils import escape

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont


def make_pdf(path: Path, pages: list[list[str]], password: str | None = None) -> Path:
    """Write a PDF with a text layer: one list of paragraphs per page (empty list: blank page)."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    if password is not None:
        pdf.set_encryption(owner_password="owner", user_password=password)
    for paragraphs in pages:
        pdf.add_page()
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, paragraph)
            pdf.ln(6)  # a blank line between paragraphs
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def make_scanned_pdf(path: Path, pages: int = 2) -> Path:
    """Write a PDF that has drawings but no text layer, like a scan."""
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
        pdf.rect(20, 20, 120, 80, style="F")
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path


def make_owner_only_aes_pdf(path: Path, paragraphs: list[str]) -> Path:
    """Write a PDF encrypted with AES-256 that anyone may open (only an owner password is set),
    as many publishers distribute reports."""
    from pypdf import PdfReader, PdfWriter

    plain = make_pdf(path.with_name(path.name + ".plain"), [paragraphs])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password="", owner_password="owner", algorithm="AES-256")
    with path.open("wb") as out:
        writer.write(out)
    plain.unlink()
    return path


def make_flate_bomb_pdf(path: Path, inflated_mb: int = 80) -> Path:
    """Write a one-page PDF whose content stream is a few dozen KB of deflated zeros that inflate
    to ``inflated_mb`` MB: more than pypdf's 75 MB limit on one stream."""
    packer = zlib.compressobj(9)
    zeros = bytes(1_000_000)
    stream = b"".join(packer.compress(zeros) for _ in range(inflated_mb)) + packer.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >>"
        b" >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    body = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, obj in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n" % number + obj + b"\nendobj\n"
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(body))
    return path


SAVED_PAGE = """<!doctype html>
<html lang="en"><head>
<title>Mass graves at Khavaran | Example Rights</title>
<meta name="date" content="2019-08-30">
<style>p { color: red }</style>
<script>document.write("tracking script text")</script>
</head><body>
<nav><a href="/">Home</a> <a href="/donate">Donate now</a> <a href="/about">About us</a></nav>
<header><p>Example Rights newsletter signup banner</p></header>
<article>
<h1>Mass graves at Khavaran</h1>
<p>Families of prisoners executed in the summer of 1988 gathered at the Khavaran cemetery,
where many of the victims are believed to be buried in unmarked mass graves.</p>
<p>Witnesses said the authorities had bulldozed parts of the site several times, making it
harder to establish how many people were buried there and who they were.</p>
</article>
<footer><p>Copyright 2021 Example Rights. All rights reserved. Cookie settings.</p></footer>
</body></html>
"""


# --- office files, e-mails, scans -------------------------------------------------------------

LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
PERSIAN_FONT = Path("/usr/share/fonts/truetype/noto/NotoNaskhArabic-Regular.ttf")


def _zip(path: Path, parts: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in parts.items():
            archive.writestr(name, text)
    return path


def make_docx(
    path: Path, blocks: list[tuple[str, str]], core: dict[str, str] | None = None
) -> Path:
    """Write a Word file: ``blocks`` are (style, text), style "" for a paragraph, "Heading1"...,
    "List" for a numbered item; ``core`` holds title, created, creator."""
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    body = []
    for style, text in blocks:
        props = ""
        if style == "List":
            props = '<w:pPr><w:numPr><w:ilvl w:val="0"/><w:numId w:val="1"/></w:numPr></w:pPr>'
        elif style:
            props = f'<w:pPr><w:pStyle w:val="{style}"/></w:pPr>'
        body.append(f'<w:p>{props}<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p>')
    parts = {
        "word/document.xml": (
            f'<?xml version="1.0"?><w:document xmlns:w="{w}"><w:body>{"".join(body)}'
            "</w:body></w:document>"
        ),
    }
    if core:
        fields = "".join(
            f"<{tag}>{escape(core[key])}</{tag}>"
            for key, tag in (
                ("title", "dc:title"),
                ("created", "dcterms:created"),
                ("creator", "dc:creator"),
            )
            if key in core
        )
        parts["docProps/core.xml"] = (
            '<?xml version="1.0"?><cp:coreProperties '
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/">'
            f"{fields}</cp:coreProperties>"
        )
    return _zip(path, parts)


def make_odt(path: Path, blocks: list[tuple[str, str]], meta: dict[str, str] | None = None) -> Path:
    """Write an OpenDocument text: ``blocks`` are (kind, text), kind "h1", "h2", "p" or "li"."""
    body = []
    for kind, text in blocks:
        if kind.startswith("h"):
            body.append(f'<text:h text:outline-level="{kind[1]}">{escape(text)}</text:h>')
        elif kind == "li":
            body.append(
                f"<text:list><text:list-item><text:p>{escape(text)}</text:p></text:list-item></text:list>"
            )
        else:
            body.append(f"<text:p>{escape(text)}</text:p>")
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/"'
    )
    parts = {
        "mimetype": "application/vnd.oasis.opendocument.text",
        "content.xml": (
            f'<?xml version="1.0"?><office:document-content {ns}><office:body><office:text>'
            f"{''.join(body)}</office:text></office:body></office:document-content>"
        ),
    }
    if meta:
        fields = "".join(
            f"<{tag}>{escape(meta[key])}</{tag}>"
            for key, tag in (
                ("title", "dc:title"),
                ("created", "meta:creation-date"),
                ("creator", "meta:initial-creator"),
            )
            if key in meta
        )
        parts["meta.xml"] = (
            f'<?xml version="1.0"?><office:document-meta {ns}><office:meta>{fields}'
            "</office:meta></office:document-meta>"
        )
    return _zip(path, parts)


def make_epub(path: Path, chapters: list[str], title: str, date: str) -> Path:
    """Write an EPUB with one XHTML chapter per text, in spine order."""
    items = "".join(
        f'<item id="c{i}" href="text/c{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(len(chapters))
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
    parts = {
        "mimetype": "application/epub+zip",
        "META-INF/container.xml": (
            '<?xml version="1.0"?><container version="1.0" '
            'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
            '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>"
        ),
        "OEBPS/content.opf": (
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
            '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">'
            f"<dc:title>{escape(title)}</dc:title><dc:date>{date}</dc:date></metadata>"
            f"<manifest>{items}</manifest><spine>{spine}</spine></package>"
        ),
    }
    for i, text in enumerate(chapters):
        parts[f"OEBPS/text/c{i}.xhtml"] = (
            f'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>c{i}</title></head>'
            f"<body><article><p>{escape(text)}</p></article></body></html>"
        )
    return _zip(path, parts)


def make_eml(
    path: Path, subject: str, date: str, body: str, attachments: dict[str, bytes] | None = None
) -> Path:
    """Write an e-mail with a plain-text body and attachments (file name: bytes)."""
    message = EmailMessage()
    message["From"] = "Witness <witness@example.org>"
    message["To"] = "researcher@example.org"
    message["Subject"] = subject
    message["Date"] = date
    message.set_content(body)
    for name, data in (attachments or {}).items():
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(bytes(message))
    return path


def render_page(
    lines: list[str], persian: bool = False, dpi: int = 300, full_page: bool = False
) -> Image.Image:
    """Render text lines (12 pt at ``dpi``) onto a page image as a scanner gives it: an A4 page,
    or (to keep OCR in tests quick) a strip of A4 width just tall enough for the lines."""
    size = round(12 * dpi / 72)
    font = ImageFont.truetype(str(PERSIAN_FONT if persian else LATIN_FONT), size)
    width = round(8.27 * dpi)
    height = round(11.69 * dpi) if full_page else 2 * dpi + len(lines) * round(size * 1.8)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    y = dpi
    for line in lines:
        if persian:
            draw.text((width - dpi, y), line, font=font, fill=0, anchor="ra", direction="rtl",
                      language="fa")  # fmt: skip
        else:
            draw.text((dpi, y), line, font=font, fill=0)
        y += round(size * 1.8)
    return page


def make_scan(path: Path, pages: list[Image.Image], dpi: int = 300) -> Path:
    """Save page images as a scanner does: a PDF of images without text, or a PNG/JPEG/TIFF."""
    path.parent.mkdir(parents=True, exist_ok=True)
    first, *rest = pages
    if path.suffix.lower() in {".pdf", ".tif", ".tiff"}:
        first.save(path, save_all=True, append_images=rest, resolution=dpi)
    else:
        first.save(path, dpi=(dpi, dpi))
    return path


def character_error_rate(reference: str, recognised: str) -> float:
    """Edit distance between the two texts (whitespace runs as one space) over the reference's
    length: the usual measure of OCR quality."""
    ref, hyp = " ".join(reference.split()), " ".join(recognised.split())
    previous = list(range(len(hyp) + 1))
    for i, expected in enumerate(ref, start=1):
        current = [i]
        for j, got in enumerate(hyp, start=1):
            current.append(
                min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (expected != got))
            )
        previous = current
    return previous[-1] / max(1, len(ref))


def make_mixed_pdf(path: Path, text_page: list[str], scan: Image.Image) -> Path:
    """Write a PDF whose page 1 has a text layer and page 2 is a scanned image."""
    pdf = FPDF()
    pdf.set_font("Helvetica", size=11)
    pdf.add_page()
    for paragraph in text_page:
        pdf.multi_cell(0, 6, paragraph)
        pdf.ln(6)
    pdf.add_page()
    pdf.image(scan, x=0, y=0, w=pdf.w, h=pdf.w * scan.height / scan.width)
    path.parent.mkdir(parents=True, exist_ok=True)
    pdf.output(str(path))
    return path
