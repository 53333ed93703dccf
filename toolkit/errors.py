"""Fatal errors: a file or definition that cannot be used at all. Data problems are Findings."""

from __future__ import annotations


class ToolkitError(Exception):
    """An error with a stable code and a Thai and English message, shown without a traceback."""

    def __init__(self, code: str, message_en: str, message_th: str = "") -> None:
        super().__init__(f"[{code}] {message_en}")
        self.code = code
        self.message_en = message_en
        self.message_th = message_th or message_en


class CatalogueError(ToolkitError):
    """The office's catalogue workbook is missing or inconsistent."""


class WorkspaceError(ToolkitError):
    """The workspace folder is missing or not a workspace."""
