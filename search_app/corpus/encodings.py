"""Plain text in the encodings researchers' files come in, detected from the bytes themselves.

Order of evidence: a byte-order mark (UTF-8, UTF-16); valid UTF-8; UTF-16 without a mark (a NUL in
every other byte of ASCII text); then the legacy single-byte code pages of the region —
Windows-1256 and ISO-8859-6 (Persian and Arabic) and Windows-1252 (Western) — scored by how
plausible the decoded text is: letters of one script per word, no control characters. The
encoding chosen is reported with the document, so a wrong guess is visible, and a sidecar's
``encoding:`` field overrides the guess.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

#: Legacy code pages tried, in the order that breaks ties.
LEGACY = ("windows-1252", "windows-1256", "iso-8859-6")
_WORD = re.compile(r"\w+")
_ARABIC = re.compile(r"[\u0600-\u06ff\ufb50-\ufdff\ufe70-\ufeff]")
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f]")


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str


def decode_text(data: bytes, encoding: str | None = None) -> Decoded:
    """Decode ``data``, with ``encoding`` if given, else the one detected (see the module doc).

    :raises UnicodeDecodeError: when ``encoding`` is given and does not fit.
    :raises LookupError: when ``encoding`` is not an encoding's name.
    """
    if encoding:
        name = codecs.lookup(encoding).name
        return Decoded(_lines(data.decode(name)), name)
    for bom, name in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            return Decoded(_lines(data.decode(name)), "utf-8" if name == "utf-8-sig" else name)
    utf16 = _utf16_without_bom(data) if b"\0" in data or b"\x06" in data else None
    if utf16 is not None:
        return utf16
    try:
        return Decoded(_lines(data.decode("utf-8")), "utf-8")
    except UnicodeDecodeError:
        pass
    best = max(LEGACY, key=lambda name: (_plausibility(data, name), -LEGACY.index(name)))
    return Decoded(_lines(data.decode(best, errors="replace")), best)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _utf16_without_bom(data: bytes) -> Decoded | None:
    """Text in UTF-16 keeps its high bytes in few values (0 for ASCII, 6 for Arabic script)."""
    if len(data) < 4 or len(data) % 2:
        return None
    for name, high in (("utf-16-le", data[1::2]), ("utf-16-be", data[0::2])):
        common = Counter(high).most_common(2)
        if sum(count for _, count in common) >= 0.9 * len(high):
            try:
                return Decoded(_lines(data.decode(name)), name)
            except UnicodeDecodeError:
                return None
    return None


def _plausibility(data: bytes, encoding: str) -> float:
    """Score a decoding: +1 per non-ASCII letter in a plausible word, -3 per control or undefined
    character, -2 per letter in a word mixing Arabic and Latin script or a Latin word made mostly
    of accented letters (what Arabic-script bytes look like read as Windows-1252)."""
    text = data.decode(encoding, errors="replace")
    score = -3.0 * sum(
        1
        for char in text
        if char == "\ufffd"
        or unicodedata.category(char) in {"Cc", "Co", "Cn"}
        and char not in "\n\r\t\f"
    )
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        arabic, latin = len(_ARABIC.findall(word)), len(_LATIN.findall(word))
        accented = sum(1 for char in word if not char.isascii() and char.isalpha())
        if (arabic and latin) or (latin and accented * 2 > len(word)):
            score -= 2 * len(word)
        else:
            score += accented
    return score
