"""The remembered parsers and the shortcut for plain ASCII texts give what the full path gives."""

import re
import unicodedata

import pytest
from hypothesis import given, settings, strategies as st

from toolkit.normalise import values
from toolkit.normalise.values import (Unreadable, clean_text, normalise_code, normalise_thai, parse_date, parse_number,
                                      squash)


def _reference_thai(text: str) -> str:
    """normalise_thai as written before its shortcut."""
    text = re.sub("\u0e4d([\u0e48-\u0e4b]?)\u0e32", "\\1\u0e33", text)
    text = re.sub("([\u0e48-\u0e4b])\u0e4d\u0e32", "\\1\u0e33", text)
    text = re.sub("([\u0e48-\u0e4b])([\u0e31\u0e34-\u0e37])", "\\2\\1", text)
    return re.sub("([\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])\\1+", "\\1", text)


def _reference_clean(value: object) -> str:
    """clean_text as written before the memo and the shortcuts."""
    if value is None:
        return ""
    text = _reference_thai(unicodedata.normalize("NFC", str(value)).translate(values._ZERO_WIDTH))
    text = text.replace("\u00a0", " ").replace("\u202f", " ").replace("_x000D_", "")
    return re.sub(r"[ \t]+", " ", text).strip()


_PIECES = list("ab1,.- \t\n\r\x0b\x0c_x0D") + ["_x000D_", "\u00a0", "\u200b", "\u0e19", "\u0e4d", "\u0e32", "\u0e33",
                                               "\u0e48", "\u0e49", "\u0e4b", "\u0e31", "\u0e34", "\u0e37", "\u0e47", "  "]
_TEXT = st.lists(st.sampled_from(_PIECES), max_size=20).map("".join)


@settings(max_examples=500, deadline=None)
@given(_TEXT)
def test_clean_text_equals_the_full_path(text):
    assert normalise_thai(text) == _reference_thai(text)
    assert clean_text(text) == _reference_clean(text)
    assert clean_text(text) == _reference_clean(text)  # remembered
    assert squash(text) == re.sub(r"\s+", "", _reference_clean(text)).lower()


def test_equal_keys_of_other_types_never_share_an_entry():
    assert clean_text("1") == "1"
    assert (clean_text(1), clean_text(1.0), clean_text(True)) == ("1", "1.0", "True")
    assert normalise_code("007") == "007" and normalise_code(7.0) == "7"
    assert squash("A B") == "ab" and squash(1.5) == "1.5"


def test_unreadable_texts_stay_unreadable_when_asked_again():
    for _ in range(2):
        with pytest.raises(Unreadable):
            parse_number("12abc")
        with pytest.raises(Unreadable):
            parse_date("32/13/2563")
    assert parse_number("3,304,180") == parse_number("3,304,180") == 3304180.0


def test_long_texts_are_cleaned_without_the_memo():
    doubled = "เป็็น " * (values.MEMO_MAX_CHARS // 5 + 10)
    assert len(doubled) > values.MEMO_MAX_CHARS
    assert clean_text(doubled) == _reference_clean(doubled) and "็็" not in clean_text(doubled)
    assert parse_number("1" * 20 + " " * values.MEMO_MAX_CHARS) == float("1" * 20)
