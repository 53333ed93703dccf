"""Where things sit in a template. Shared by the generator (writes) and the reader (finds)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import Any

TITLE_ROW = 1
HEADER_TH_ROW = 2
HEADER_EN_ROW = 3
FIRST_DATA_ROW = 4
END_MARKER = "— สิ้นสุดข้อมูล / end of data —"
META_SHEET = "_meta"
INSTRUCTIONS_SHEET = "คำชี้แจง (Instructions)"
META_CHUNK = 30000  # characters per metadata cell (Excel holds 32,767)
#: Excel's date format showing Buddhist Era years, understood by Excel and LibreOffice.
BE_DATE_FORMAT = "[$-1070000]d/mm/yyyy"


def canonical(value: Any) -> str:
    """One string per value, so pre-filled cells compare equal however they were read back."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(round(value, 6))
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return value.date().isoformat()
    return str(value)


def checksum(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False, sort_keys=True).encode()).hexdigest()


def template_checksum(agency: str, round_: str, prefill: Any) -> str:
    """What the metadata's checksum covers: the agency, the round and every pre-filled value."""
    return checksum({"agency": agency, "round": round_, "prefill": prefill})


def template_checksum_of_text(agency: str, round_: str, prefill_json: str) -> str:
    """``template_checksum(agency, round_, json.loads(prefill_json))`` when ``prefill_json`` is as the
    generator writes it (``json.dumps(prefill, ensure_ascii=False, sort_keys=True)``): the checksum's
    JSON holds that text as it is, so neither parsing nor writing it again is needed (~1.5 ms a
    return). For any other text the result differs from the recorded checksum, and the caller
    checks again with the parsed values."""
    agency_json, round_json = json.dumps(agency, ensure_ascii=False), json.dumps(round_, ensure_ascii=False)
    text = f'{{"agency": {agency_json}, "prefill": {prefill_json}, "round": {round_json}}}'
    return hashlib.sha256(text.encode()).hexdigest()
