"""Receive an agency's upload: stream the multipart body straight into the workspace (never a system
temp folder), enforce the size limit while reading, require the form's CSRF field before the file,
then archive the original under its SHA-256 before anything else looks at it."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import AsyncIterator

from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from toolkit.atomic import atomic_copy
from toolkit.workspace import Workspace

_MAX_FIELDS = 8
_MAX_FIELD_BYTES = 4096


class UploadRefused(Exception):
    """The request is refused before any file is kept: ``status`` is the HTTP status to answer."""

    def __init__(self, status: int, code: str, message_th: str, message_en: str) -> None:
        super().__init__(code)
        self.status, self.code, self.message_th, self.message_en = status, code, message_th, message_en


def too_large(limit: int) -> UploadRefused:
    mb = f"{limit / 1024 / 1024:.0f} MB"
    return UploadRefused(413, "upload.too-large", f"ไฟล์มีขนาดเกิน {mb} ระบบไม่รับไฟล์นี้",
                         f"The file is larger than {mb}; it was not accepted.")


def csrf_refused() -> UploadRefused:
    return UploadRefused(403, "csrf", "แบบฟอร์มหมดอายุหรือไม่ถูกต้อง กรุณาเปิดหน้าเว็บใหม่แล้วลองอีกครั้ง",
                         "The form has expired or is not valid; reload the page and try again.")


@dataclass
class Upload:
    """One uploaded file, staged inside the workspace and already archived."""

    name: str
    staged: Path
    archived: Path
    sha256: str
    size: int
    fields: dict[str, str] = field(default_factory=dict)


def safe_name(raw: str) -> str:
    """The file's own name without any folder part, with only ordinary characters."""
    name = re.split(r"[\\/]", raw or "")[-1]
    name = re.sub(r"[^\w.\-() \u0E00-\u0E7F]", "_", name).strip(" .")[:120]
    return name or "upload.xlsx"


def archive_path(ws: Workspace, sha: str, name: str) -> Path:
    """Where ``toolkit collect`` archives the same bytes (``archive/ab/<sha256><suffix>``)."""
    return ws.archive / sha[:2] / f"{sha}{Path(name).suffix.lower()}"


async def receive_upload(ws: Workspace, content_type: str, content_length: str | None, body: AsyncIterator[bytes],
                         max_bytes: int, expected_csrf: str, staging: Path) -> Upload:
    """Parse a ``multipart/form-data`` body with one ``file`` part; raise UploadRefused otherwise."""
    kind, params = parse_options_header(content_type or "")
    boundary = params.get(b"boundary")
    if kind != b"multipart/form-data" or not boundary:
        raise UploadRefused(400, "upload.form", "ไม่พบไฟล์ที่ส่งมา", "No file was sent.")
    if content_length and content_length.isdigit() and int(content_length) > max_bytes + 64 * 1024:
        raise too_large(max_bytes)
    staging.mkdir(parents=True, exist_ok=True)
    part = secrets.token_hex(8)
    tmp = staging / f".{part}.part"
    state: dict = {"headers": {}, "header": b"", "value": b"", "name": "", "filename": None, "buf": b"",
                   "out": None, "size": 0, "files": 0}
    fields: dict[str, str] = {}
    digest = hashlib.sha256()

    def on_header_field(data: bytes, start: int, end: int) -> None:
        state["header"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        state["value"] += data[start:end]

    def on_header_end() -> None:
        state["headers"][state["header"].decode("latin-1").lower()] = state["value"]
        state["header"], state["value"] = b"", b""

    def on_headers_finished() -> None:
        _, opts = parse_options_header(state["headers"].get("content-disposition", b""))
        state["name"] = opts.get(b"name", b"").decode("utf-8", "replace")
        filename = opts.get(b"filename")
        state["filename"] = filename.decode("utf-8", "replace") if filename is not None else None
        state["buf"] = b""
        if state["filename"] is not None:
            state["files"] += 1
            if state["name"] != "file" or state["files"] > 1:
                raise UploadRefused(400, "upload.form", "ส่งได้ครั้งละหนึ่งไฟล์", "Send one file at a time.")
            if not hmac.compare_digest(fields.get("csrf", ""), expected_csrf or "-"):
                raise csrf_refused()
            state["out"] = tmp.open("wb")
        elif len(fields) >= _MAX_FIELDS:
            raise UploadRefused(400, "upload.form", "แบบฟอร์มไม่ถูกต้อง", "Malformed form.")

    def on_part_data(data: bytes, start: int, end: int) -> None:
        chunk = data[start:end]
        if state["out"] is not None:
            state["size"] += len(chunk)
            if state["size"] > max_bytes:
                raise too_large(max_bytes)
            digest.update(chunk)
            state["out"].write(chunk)
        else:
            state["buf"] += chunk
            if len(state["buf"]) > _MAX_FIELD_BYTES:
                raise UploadRefused(400, "upload.form", "แบบฟอร์มไม่ถูกต้อง", "Malformed form.")

    def on_part_end() -> None:
        if state["out"] is not None:
            state["out"].close()
            state["out"] = None
        elif state["name"]:
            fields[state["name"]] = state["buf"].decode("utf-8", "replace")
        state["headers"] = {}

    parser = MultipartParser(boundary, {
        "on_header_field": on_header_field, "on_header_value": on_header_value, "on_header_end": on_header_end,
        "on_headers_finished": on_headers_finished, "on_part_data": on_part_data, "on_part_end": on_part_end})
    try:
        try:
            async for chunk in body:
                parser.write(chunk)
                if state["size"] > max_bytes:
                    raise too_large(max_bytes)
            parser.finalize()
        except MultipartParseError as exc:
            raise UploadRefused(400, "upload.form", "แบบฟอร์มไม่ถูกต้อง", "Malformed form.") from exc
        if not state["files"] or state["out"] is not None:
            raise UploadRefused(400, "upload.empty", "ไม่พบไฟล์ที่ส่งมา กรุณาเลือกไฟล์ก่อนกดตรวจ",
                                "No file was sent; choose a file first.")
        if state["size"] == 0:
            raise UploadRefused(400, "upload.empty", "ไฟล์ว่างเปล่า", "The file is empty.")
    except BaseException:
        if state["out"] is not None:
            state["out"].close()
        tmp.unlink(missing_ok=True)
        raise
    name = safe_name(state["filename"] or "")
    sha = digest.hexdigest()
    archived = archive_path(ws, sha, name)
    if not archived.exists():
        atomic_copy(tmp, archived)  # the original, byte for byte, before anything reads it
    return Upload(name, tmp, archived, sha, state["size"], fields)
