"""CSV files -- one way to write and read them, for people opening them in Excel (reports) and
for other systems (the bank's collection files).

Written: CRLF line ends, one row per line (cells with a comma, quote or line break quoted the
standard way), ``None`` an empty cell, numbers and decimals as plain text (``Decimal`` keeps its
places: ``123.40``); a text cell that Excel would take for a formula (``=``, ``+``, ``-``, ``@``,
tab or CR first) is quoted with ``'`` -- a file never runs anything on the reader's desk.
:func:`encode` gives the bytes of a download: UTF-8 with a byte-order mark (Excel reads Chinese
correctly only with it).

Read: :func:`decode` takes UTF-8 with or without the mark; :func:`rows` gives each non-blank row
with the number of the line it ends on (for per-line errors); :func:`fingerprint` is the SHA-256
of the content with the mark and line-end style taken out, so the same file saved again with LF
line ends (or without the mark) is the same file.
"""
from __future__ import annotations

import csv
import hashlib
import io
from typing import Iterable

BOM = "\ufeff"
#: what a spreadsheet reads as the start of a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class CsvError(ValueError):
    """A file that is not CSV text (bad bytes, a broken quote); ``line`` where it was found."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


def cell(value):
    """A value as the text of one cell (see the module doc)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def text(rows: Iterable[Iterable]) -> str:
    """The rows as CSV text with CRLF line ends (no byte-order mark: :func:`encode` adds it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(c) for c in row])
    return out.getvalue()


def encode(content: str) -> bytes:
    """A download's bytes: UTF-8 with the byte-order mark."""
    return content.encode("utf-8-sig")


def decode(data: bytes) -> str:
    """An uploaded file's text: UTF-8, the byte-order mark optional (and dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CsvError(f"the file is not UTF-8 text (byte {exc.start})") from None


def _body(content: str) -> str:
    return content[1:] if content.startswith(BOM) else content


def rows(content: str) -> list[tuple[int, list[str]]]:
    """``(line number, cells)`` of every row that is not blank, cells stripped of spaces."""
    reader = csv.reader(io.StringIO(_body(content), newline=""), strict=True)
    out = []
    try:
        for row in reader:
            cells = [c.strip() for c in row]
            if any(cells):
                out.append((reader.line_num, cells))
    except csv.Error as exc:
        raise CsvError(str(exc), reader.line_num) from None
    return out


def fingerprint(content: str) -> str:
    """SHA-256 (hex) of the content without the byte-order mark, with LF line ends."""
    canonical = _body(content).replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
