"""Real PDF and HTML files, made by the tests themselves (no binary fixtures)."""

from __future__ import annotations

import zlib
from pathlib import Path

from fpdf import FPDF


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
