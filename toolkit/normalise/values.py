"""Parsers for single cell values. Each returns the typed value or raises ``Unreadable``.

Agencies type Thai digits, Buddhist Era dates as text, numbers with commas, ``%`` and ``บาท``,
and ``-`` or ``ไม่มี`` for nothing. These functions accept all of that.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache, wraps
from typing import Callable, TypeVar

import re2

from toolkit.calendar import BE_OFFSET, THAI_MONTHS, THAI_MONTHS_ABBR


class Unreadable(ValueError):
    """The value cannot be read as the column's type."""


_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
#: characters that show nothing and break comparisons: zero-width space, (non-)joiner, word joiner,
#: BOM, soft hyphen
_ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_ZERO_WIDTH = dict.fromkeys(map(ord, _ZERO_WIDTH_CHARS), None)
_HAS_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTH_CHARS}]")
EMPTY_TOKENS = frozenset({"", "-", "–", "—", "ไม่มี", "n/a", "N/A", "na", "none", "None", "nan"})
_EXCEL_EPOCH = date(1899, 12, 30)
_DATE_PREFIX = re.compile(r"^(?:ลว\.?|ลงวันที่|วันที่|ณ วันที่)\s*")
#: texts up to this many characters are remembered by the parsers below (the same labels, codes,
#: statuses and numbers recur in every return); longer ones are parsed each time. Each of the five
#: memos keeps at most ``_MEMO_SIZE`` texts: at most ~12 MB each in a long-running worker
MEMO_MAX_CHARS = 128
_MEMO_SIZE = 1 << 14
_SPACES = re.compile(r"[ \t]+")
_WHITE = re.compile(r"\s+")
_NUMBER_NOISE = re.compile(r"(บาท|ร้อยละ|%|\.-$|\s)")
_T = TypeVar("_T")


def _remember_short_texts(fn: Callable[[object], _T]) -> Callable[[object], _T]:
    """``fn`` of one value, its results for texts of at most ``MEMO_MAX_CHARS`` remembered (only
    ``str`` values: 1, 1.0 and True never share an entry)."""
    memo = lru_cache(maxsize=_MEMO_SIZE)(fn)

    @wraps(fn)
    def call(value: object) -> _T:
        return memo(value) if type(value) is str and len(value) <= MEMO_MAX_CHARS else fn(value)
    return call


#: Thai character classes (regex ranges): tone marks, the upper vowels a tone mark sits on, and every
#: combining mark (upper and lower vowels, tone marks, signs)
_TONES = "\u0e48-\u0e4b"
_UPPER_VOWELS = "\u0e31\u0e34-\u0e37"
_MARKS = "\u0e31\u0e34-\u0e3a\u0e47-\u0e4e"
_MARK_CHARS = "".join(c for c in map(chr, range(0x0E00, 0x0E80)) if re.fullmatch(f"[{_MARKS}]", c))
_NIKHAHIT = "\u0e4d"
#: a tone mark typed before the upper vowel it sits on (น่ี for นี่): Unicode does not reorder these.
_TONE_BEFORE_VOWEL = re.compile(f"([{_TONES}])([{_UPPER_VOWELS}])")
#: the same combining mark typed twice (เป็็น): invisible on screen, breaks every comparison.
_DOUBLED_MARK = re.compile(f"([{_MARKS}])\\1+")


#: anything normalise_thai would change (most texts have none: one search instead of four substitutions):
#: a NIKHAHIT, a tone mark before an upper vowel, or a mark typed twice. Written to start with the one
#: class of characters every case starts with, so the search skips the other characters without
#: trying three branches at each (~40 % faster on Thai narratives; test_values holds it to the
#: plain alternation)
_THAI_TO_FIX = re.compile(f"([{_MARKS}])(?:(?<={_NIKHAHIT})|(?<=[{_TONES}])[{_UPPER_VOWELS}]|\\1)")


#: a zero-width character, or anything ``_THAI_TO_FIX`` finds: one search where two would each walk the
#: text (the zero-width look cost ~0.6 ms a return of Thai narratives; test_values holds this to both)
_TO_FIX = re.compile(f"([{_ZERO_WIDTH_CHARS}{_MARKS}])"
                     f"(?:(?<=[{_ZERO_WIDTH_CHARS}{_NIKHAHIT}])|(?<=[{_TONES}])[{_UPPER_VOWELS}]|\\1)")


def normalise_thai(text: str) -> str:
    """What NFC leaves undone for Thai: SARA AM typed as NIKHAHIT + SARA AA (with or without a tone
    mark between them), a tone mark typed before its upper vowel, a mark typed twice."""
    if not _THAI_TO_FIX.search(text):
        return text
    text = re.sub(f"{_NIKHAHIT}([{_TONES}]?)\u0e32", "\\1\u0e33", text)
    text = re.sub(f"([{_TONES}]){_NIKHAHIT}\u0e32", "\\1\u0e33", text)
    text = _TONE_BEFORE_VOWEL.sub("\\2\\1", text)
    return _DOUBLED_MARK.sub("\\1", text)


def clean_text(value: object) -> str:
    """NFC and Thai normalisation, no zero-width characters, no non-breaking spaces, runs of spaces
    folded, trimmed."""
    if type(value) is str:
        return _clean(value)
    if value is None:
        return ""
    if isinstance(value, float) and math.isnan(value):
        return ""
    return _clean(str(value))


@_remember_short_texts
def _clean(text: str) -> str:
    if text.isascii() and "_x000D_" not in text and "\t" not in text and "  " not in text:
        return text.strip()  # nothing below would change it but the trimming
    text = unicodedata.normalize("NFC", text)
    if _TO_FIX.search(text):  # most texts have neither a zero-width character nor Thai to fix
        if _HAS_ZERO_WIDTH.search(text):  # translate is slow on long Thai texts: only when there is one
            text = text.translate(_ZERO_WIDTH)
        text = normalise_thai(text)
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("_x000D_", "")
    return (_SPACES.sub(" ", text) if "  " in text or "\t" in text else text).strip()


#: what ``_TO_FIX`` finds, without back-references or look-behinds, for RE2 (an automaton: ~7 ns a
#: character where ``_TO_FIX`` takes ~18 on Thai text, whose marks it stops at one by one)
_TO_FIX_LINEAR = re2.compile(f"[{_ZERO_WIDTH_CHARS}{_NIKHAHIT}]|[{_TONES}][{_UPPER_VOWELS}]|"
                             + "|".join(mark * 2 for mark in _MARK_CHARS))
#: texts ``clean_texts`` looks at together at least (fewer: one by one, through the memo)
_TOGETHER = 8


def clean_texts(texts: list[str]) -> dict[str, str]:
    """``clean_text`` of each of many texts (a column's distinct texts), looked at together: when their
    whole, joined by new lines, is in NFC and holds nothing ``_clean`` changes but the trimming (no
    Thai to fix, no zero-width character or non-breaking space, no tab, run of spaces or ``_x000D_``),
    each is only trimmed. Else each half is looked at again, down to ``_TOGETHER`` texts cleaned one by
    one. A new line cannot start or end anything looked for, and NFC leaves texts joined by one as it
    leaves each. A return's long-text columns take ~1.35 ms instead of ~1.9, side by side
    (``test_values`` holds it to ``_clean``)."""
    if len(texts) < _TOGETHER:
        return {text: _clean(text) for text in texts}
    joined = "\n".join(texts)
    if "\u00a0" not in joined and "\u202f" not in joined and "_x000D_" not in joined and "  " not in joined \
            and "\t" not in joined and unicodedata.is_normalized("NFC", joined) and not _TO_FIX_LINEAR.search(joined):
        return {text: text.strip() for text in texts}
    half = len(texts) // 2
    return {**clean_texts(texts[:half]), **clean_texts(texts[half:])}


@_remember_short_texts
def squash(value: object) -> str:
    """For comparing labels: cleaned, without any white space, lower case."""
    return _WHITE.sub("", clean_text(value)).lower()


def is_empty(value: object) -> bool:
    return clean_text(value) in EMPTY_TOKENS


def thai_digits_to_ascii(text: str) -> str:
    return text.translate(_THAI_DIGITS)


def parse_number(value: object, percent_format: bool = False) -> float | None:
    """``3,304,180`` / ``๔๐ %`` / ``36,740 บาท`` / ``12.5`` -> float; empty tokens -> None.

    ``percent_format`` means the cell was shown with Excel's % format, so 0.4 means 40.
    """
    if isinstance(value, bool):
        raise Unreadable(str(value))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return None
        return float(value) * (100.0 if percent_format else 1.0)
    return _number_from_text(value)


@_remember_short_texts
def _number_from_text(value: object) -> float | None:
    text = clean_text(value)
    if text in EMPTY_TOKENS:
        return None
    text = thai_digits_to_ascii(text)
    text = _NUMBER_NOISE.sub("", text).replace(",", "")
    if text.endswith(".-"):
        text = text[:-2]
    try:
        number = float(text)
    except ValueError as exc:
        raise Unreadable(str(value)) from exc
    if math.isnan(number) or math.isinf(number):
        raise Unreadable(str(value))
    return number



def _month_from_name(name: str) -> int | None:
    name = name.strip().rstrip(".")
    for i, (full, abbr) in enumerate(zip(THAI_MONTHS, THAI_MONTHS_ABBR), start=1):
        if name == full or name == abbr.rstrip(".") or name.replace(".", "") == abbr.replace(".", ""):
            return i
    return None


def _year_to_ce(year: int) -> int:
    if year < 100:  # two-digit years: 63 -> 2563 BE
        year += 2500
    return year - BE_OFFSET if year > 2400 else year


def _safe_date(y: int, m: int, d: int, raw: object) -> date:
    try:
        return date(y, m, d)
    except ValueError as exc:
        raise Unreadable(str(raw)) from exc


#: CE years a reporting date can have; outside them a date is unreadable (and pandas cannot hold it).
DATE_YEARS = (1900, 2200)


def parse_date(value: object, date_1904: bool = False) -> date | None:
    """Dates as real dates, Excel serials, ``26/10/2563``, ``2020-10-01 00:00:00``,
    ``25 พฤษภาคม 2564`` or ``ลว. 23 มี.ค. 64``. A year above 2400 is Buddhist Era; a year outside
    ``DATE_YEARS`` after that is unreadable."""
    day = _parse_date(value, date_1904)
    if day is not None and not DATE_YEARS[0] <= day.year <= DATE_YEARS[1]:
        raise Unreadable(str(value))
    return day


def _parse_date(value: object, date_1904: bool) -> date | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        if value.year > 2400:  # a BE year typed into a real date cell
            return _safe_date(value.year - BE_OFFSET, value.month, value.day, value)
        return value
    if isinstance(value, bool):
        raise Unreadable(str(value))
    if isinstance(value, (int, float)):
        if isinstance(value, float) and math.isnan(value):
            return None
        if not 1 <= value < 2958466:
            raise Unreadable(str(value))
        epoch = date(1904, 1, 1) if date_1904 else _EXCEL_EPOCH
        day = epoch + timedelta(days=int(value))
        if day.year > 2400:  # 26/10/2563 typed where Excel read it as the year 2563: a BE serial
            return _safe_date(day.year - BE_OFFSET, day.month, day.day, value)
        return day
    return _date_from_text(value)


@_remember_short_texts
def _date_from_text(value: object) -> date | None:
    text = thai_digits_to_ascii(clean_text(value))
    if text in EMPTY_TOKENS:
        return None
    text = _DATE_PREFIX.sub("", text)  # "ลว. 23 มี.ค. 2564", "ลงวันที่ 23 มี.ค. 2564"
    m = re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?", text)
    if m:
        return _safe_date(_year_to_ce(int(m.group(1))), int(m.group(2)), int(m.group(3)), value)
    m = re.fullmatch(r"(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2,4})(?:\s+\d{1,2}[:.]\d{2}(?::\d{2})?(?:\s*น\.)?)?",
                     text)
    if m:
        return _safe_date(_year_to_ce(int(m.group(3))), int(m.group(2)), int(m.group(1)), value)
    m = re.fullmatch(r"(?:วันที่\s*)?(\d{1,2})\s*([ก-๙.]+)\s*(?:พ\.ศ\.\s*)?(\d{2,4})", text)
    if m:
        month = _month_from_name(m.group(2))
        if month:
            return _safe_date(_year_to_ce(int(m.group(3))), month, int(m.group(1)), value)
    raise Unreadable(str(value))



def parse_int(value: object) -> int | None:
    number = parse_number(value)
    if number is None:
        return None
    if number != int(number):
        raise Unreadable(str(value))
    return int(number)


@_remember_short_texts
def normalise_code(value: object) -> str:
    """Codes keep their leading zeros; Thai digits and stray spaces are removed."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return _WHITE.sub("", thai_digits_to_ascii(clean_text(value)))
