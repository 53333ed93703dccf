import re
from datetime import date

import pytest
from hypothesis import given, settings, strategies as st

import toolkit.normalise.values as values

from toolkit.normalise.values import Unreadable, clean_text, normalise_code, parse_date, parse_int, parse_number


@pytest.mark.parametrize("raw, expected", [
    ("26/10/2563", date(2020, 10, 26)),
    ("23/1/2563", date(2020, 1, 23)),
    ("2020-10-01 00:00:00", date(2020, 10, 1)),
    ("25 พฤษภาคม 2564", date(2021, 5, 25)),
    ("23 มี.ค. 2564", date(2021, 3, 23)),
    ("ลว. 23 มี.ค. 2564", date(2021, 3, 23)),
    ("ลงวันที่ ๒๓ มีนาคม ๒๕๖๔", date(2021, 3, 23)),
    ("23 มี.ค. 64", date(2021, 3, 23)),
    ("26/10/2563 10:30", date(2020, 10, 26)),
    (242456, date(2020, 10, 26)),  # 26/10/2563 that Excel stored as a date in the year 2563
    (242456.5, date(2020, 10, 26)),
    ("๒๖/๑๐/๒๕๖๓", date(2020, 10, 26)),
    (44105, date(2020, 10, 1)),
    (date(2563, 10, 26), date(2020, 10, 26)),
    ("1/10/2020", date(2020, 10, 1)),
])
def test_dates_as_people_type_them(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["32/13/2563", "พรุ่งนี้", "2563/99", True])
def test_unreadable_dates_raise(raw):
    with pytest.raises(Unreadable):
        parse_date(raw)


@pytest.mark.parametrize("raw, expected", [
    ("3,304,180", 3304180.0), ("๔๐ %", 40.0), ("36,740 บาท", 36740.0), ("583,203.-", 583203.0),
    ("ร้อยละ 57.16", 57.16), (" 12 ", 12.0), ("-", None), ("ไม่มี", None), ("", None), (None, None), (7, 7.0),
])
def test_numbers_with_commas_units_and_thai_digits(raw, expected):
    assert parse_number(raw) == expected


def test_percent_formatted_cell_is_scaled():
    assert parse_number(0.4, percent_format=True) == pytest.approx(40.0)


@pytest.mark.parametrize("raw", ["สิบ", "12abc", "1.2.3"])
def test_unreadable_numbers_raise(raw):
    with pytest.raises(Unreadable):
        parse_number(raw)


def test_whole_numbers_only_for_int():
    assert parse_int("๓") == 3
    with pytest.raises(Unreadable):
        parse_int("2.5")


@pytest.mark.parametrize("typed, canonical", [
    ("น\u0e4d\u0e32", "น\u0e33"),               # SARA AM as NIKHAHIT + SARA AA
    ("น\u0e49\u0e4d\u0e32", "น\u0e49\u0e33"),    # with the tone mark first
    ("น\u0e4d\u0e49\u0e32", "น\u0e49\u0e33"),    # with the tone mark between
    ("ท\u0e48\u0e35", "ท\u0e35\u0e48"),          # tone mark typed before the upper vowel
    ("เป\u0e47\u0e47น", "เป\u0e47น"),            # a mark typed twice
    ("e\u0301", "\u00e9"),                     # plain NFC
])
def test_thai_spelling_variants_normalise_to_one_form(typed, canonical):
    assert clean_text(typed) == canonical


def test_text_cleaning_removes_zero_width_and_folds_spaces():
    assert clean_text("\u200bเป็นไปตาม\u00a0 แผน \ufeff") == "เป็นไปตาม แผน"
    assert normalise_code(" ๒๑๐๐-๑๐๓๗ ") == "2100-1037"
    assert normalise_code(2100.0) == "2100"


@given(st.text(alphabet="กนทabc \u0e31\u0e32\u0e33\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a"
                        "\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e", max_size=12))
@settings(max_examples=3000, deadline=None)
def test_the_quick_look_for_thai_to_fix_is_the_plain_alternation(text):
    plain = re.compile("\u0e4d|[\u0e48-\u0e4b][\u0e31\u0e34-\u0e37]|([\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])\\1")
    assert bool(values._THAI_TO_FIX.search(text)) == bool(plain.search(text))
    # and what it lets through, normalise_thai leaves as it is
    if not plain.search(text):
        assert values.normalise_thai(text) == text


@given(st.text(alphabet="กนa \u0e31\u0e32\u0e34\u0e37\u0e38\u0e3a\u0e47\u0e48\u0e4b\u0e4c\u0e4d\u0e4e"
                        "\u200b\u200d\u2060\ufeff\u00ad\u00a0", max_size=12))
@settings(max_examples=3000, deadline=None)
def test_the_one_look_before_cleaning_finds_zero_width_characters_and_thai_to_fix(text):
    expected = bool(values._HAS_ZERO_WIDTH.search(text) or values._THAI_TO_FIX.search(text))
    assert bool(values._TO_FIX.search(text)) == expected
    if not expected:  # what it lets through, cleaning leaves alone but for spaces and NFC
        assert text.translate(values._ZERO_WIDTH) == text and values.normalise_thai(text) == text


_MESSY = ("กนทa \u0e31\u0e32\u0e33\u0e34\u0e37\u0e38\u0e3a\u0e47\u0e48\u0e4b\u0e4c\u0e4d\u0e4e"
          "\u200b\u200d\ufeff\u00ad\u00a0\u202f\t\n\u0065\u0301")  # the last two: "e" and a combining acute (NFC)


@given(st.text(alphabet=_MESSY, max_size=12))
@settings(max_examples=3000, deadline=None)
def test_the_linear_look_for_thai_to_fix_finds_what_the_cleaning_look_finds(text):
    assert bool(values._TO_FIX_LINEAR.search(text)) == bool(values._TO_FIX.search(text))


@given(st.lists(st.one_of(st.text(alphabet=_MESSY, max_size=10), st.sampled_from(
    ["", " ขุดลอกคูคลอง ", "_x000D_", "a  b", "เป็นไปตามแผน", "น่ี", "ผลการดำเนินงาน\u00a0", "e\u0301"])),
    max_size=40, unique=True))
@settings(max_examples=1500, deadline=None)
def test_cleaning_many_texts_together_cleans_each_as_alone(texts):
    assert values.clean_texts(texts) == {text: values._clean(text) for text in texts}


def test_a_clean_column_is_only_trimmed_and_a_messy_text_is_still_found(monkeypatch):
    narratives = [f" ดำเนินการแล้วเสร็จร้อยละ {k} ตามแผนงาน" for k in range(100)]
    monkeypatch.setattr(values, "_clean", lambda text: pytest.fail("cleaned one by one"))
    assert values.clean_texts(narratives) == {text: text.strip() for text in narratives}
    monkeypatch.undo()
    messy = narratives[:57] + ["เป็็นไปตามแผน\u200b"] + narratives[57:]
    assert values.clean_texts(messy)["เป็็นไปตามแผน\u200b"] == "เป็นไปตามแผน"
