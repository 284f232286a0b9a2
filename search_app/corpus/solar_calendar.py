"""The Persian (Solar Hijri) calendar, for showing dates and reading years as Iranians write them.

The year begins at Nowruz, the March equinox: Solar Hijri 1367 runs from 21 March 1988 to 20 March
1989. The first six months have 31 days, the next five 30, the last 29 (30 in a leap year). Leap
years follow the 33-year cycles of the arithmetic used by Iran's calendar authority (the same
"jalaali" algorithm that most software uses, valid for years 1-3177).
"""

from __future__ import annotations

import datetime as dt
import re

#: Years where the 33-year cycle pattern breaks.
_BREAKS = (
    -61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192, 2262, 2324,
    2394, 2456, 3178,
)  # fmt: skip
#: Years in this range in a year filter are Solar Hijri; others are Gregorian.
SOLAR_YEARS = range(1200, 1500)
_DIGITS = str.maketrans("۰۱۲۳۴۵۶۷۸۹٠١٢٣٤٥٦٧٨٩", "01234567890123456789")


def _div(a: int, b: int) -> int:
    return int(a / b)  # truncates toward zero, as the reference algorithm does


def _mod(a: int, b: int) -> int:
    return a - _div(a, b) * b


def _cycle(year: int) -> tuple[int, int]:
    """Return (whether ``year`` is leap: 0 when it is, the March day of its Nowruz)."""
    if not _BREAKS[0] <= year < _BREAKS[-1]:
        raise ValueError(f"Solar Hijri year {year} is outside the supported range")
    gregorian = year + 621
    leap_j = -14
    jp = _BREAKS[0]
    jump = 0
    for jm in _BREAKS[1:]:
        jump = jm - jp
        if year < jm:
            break
        leap_j += _div(jump, 33) * 8 + _div(_mod(jump, 33), 4)
        jp = jm
    n = year - jp
    leap_j += _div(n, 33) * 8 + _div(_mod(n, 33) + 3, 4)
    if _mod(jump, 33) == 4 and jump - n == 4:
        leap_j += 1
    leap_g = _div(gregorian, 4) - _div((_div(gregorian, 100) + 1) * 3, 4) - 150
    march = 20 + leap_j - leap_g
    if jump - n < 6:
        n = n - jump + _div(jump + 4, 33) * 33
    leap = _mod(_mod(n + 1, 33) - 1, 4)
    return (4 if leap == -1 else leap), march


def nowruz(year: int) -> dt.date:
    """Return the Gregorian date of the first day (1 Farvardin) of Solar Hijri ``year``."""
    return dt.date(year + 621, 3, _cycle(year)[1])


def to_solar(day: dt.date) -> tuple[int, int, int]:
    """Return the Solar Hijri (year, month, day) of a Gregorian date."""
    year = day.year - 621
    start = nowruz(year)
    if day < start:
        year -= 1
        start = nowruz(year)
    days = (day - start).days
    if days < 186:
        return year, days // 31 + 1, days % 31 + 1
    days -= 186
    return year, days // 30 + 7, days % 30 + 1


def solar_year_span(year: int) -> tuple[dt.date, dt.date]:
    """Return the first and last Gregorian days of Solar Hijri ``year``."""
    return nowruz(year), nowruz(year + 1) - dt.timedelta(days=1)


def iso_span(iso: str) -> tuple[dt.date, dt.date]:
    """Return the first and last day an ISO date (``2020``, ``2020-08``, ``2020-08-20``) covers."""
    parts = [int(p) for p in iso.split("-")]
    if len(parts) == 3:
        day = dt.date(*parts)
        return day, day
    if len(parts) == 2:
        first = dt.date(parts[0], parts[1], 1)
        following = dt.date(parts[0] + parts[1] // 12, parts[1] % 12 + 1, 1)
        return first, following - dt.timedelta(days=1)
    return dt.date(parts[0], 1, 1), dt.date(parts[0], 12, 31)


def solar_label(iso: str) -> str:
    """Show an ISO date in the Solar Hijri calendar: ``1399-05-30``; a month or year that
    straddles two Solar Hijri years shows both (``1366–1367``); ``""`` for what it cannot show."""
    try:
        first, last = iso_span(iso)
        return _label(first, last)
    except ValueError:
        return ""


def _label(first: dt.date, last: dt.date) -> str:
    if first == last:
        year, month, day = to_solar(first)
        return f"{year}-{month:02d}-{day:02d}"
    start, end = to_solar(first), to_solar(last)
    if start[0] != end[0]:
        return f"{start[0]}–{end[0]}"
    if start[1] == end[1]:
        return f"{start[0]}-{start[1]:02d}"
    return f"{start[0]}"


def day_number(day: dt.date) -> int:
    """Return ``day`` as the number YYYYMMDD, the form the index keeps for date ranges."""
    return day.year * 10000 + day.month * 100 + day.day


def parse_year_span(text: str) -> tuple[int, dt.date, dt.date]:
    """Read a year typed in either calendar, in any digits; return it and the days it covers.

    ``1988`` is Gregorian; ``1367``, ``۱۳۶۷`` or ``١٣٦٧`` is Solar Hijri (years 1200-1499).

    :raises ValueError: when ``text`` is not a year.
    """
    value = text.strip().translate(_DIGITS)
    if not re.fullmatch(r"[0-9]{1,4}", value) or int(value) < 1:
        raise ValueError(f"{text!r} is not a year")
    year = int(value)
    if year in SOLAR_YEARS:
        return year, *solar_year_span(year)
    return year, dt.date(year, 1, 1), dt.date(year, 12, 31)
