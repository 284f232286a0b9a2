"""Real PDF and HTML files, made by the tests themselves (no binary fixtures)."""

from __future__ import annotations

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
