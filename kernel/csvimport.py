"""Importing a CSV file a person made (in Excel, from a meter-reading device, from a bank): all or
nothing, with every wrong line named.

    parsed = load_csv(text, MeterReadingRow(), aliases={"unit": ("房号",), ...})
    for line, row in parsed.rows:           # loaded through the schema, with its file line number
        if problem(row):
            parsed.error(line, "reading", "lower than the previous reading")
    parsed.refuse_if_errors()               # InvalidInput 422 csv_invalid, details = every line's errors
    ... write everything ...

The rules, the same for every import:

- UTF-8, with or without a byte-order mark (Excel writes one); CRLF or LF lines; quoting as the
  ``csv`` module reads it (RFC 4180);
- the first non-empty line is the header: column names in any order, matched without regard to
  case or surrounding spaces, each the schema's field name or one of its ``aliases`` (a Chinese
  header, say); an unknown or repeated column, or a missing required one, refuses the file;
- empty lines are skipped; an empty cell is an absent value (the schema's default applies);
- every line is loaded through the marshmallow ``schema``; the caller adds its own checks
  (unknown units, a reading lower than the last) with :meth:`CsvImport.error`;
- any error refuses the **whole** file (:meth:`CsvImport.refuse_if_errors`, 422 ``csv_invalid``;
  a file that cannot be read as such -- empty, a wrong header, too long -- 400 with its own code):
  a half-imported file is never left behind. ``details`` carries ``{"lines": [{"line": n, "errors": {column:
  [messages]}}]}`` (the first 500 lines with errors) and ``"count"``;
- ``sha256`` names the file's content (``kernel.csvfile.fingerprint``: the byte-order mark and the
  line-end style left out, so the same file saved again names the same), for the rows' source.
- Rows are read by ``kernel.csvfile.rows`` (the one CSV reader): blank lines skipped, cells stripped.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Mapping, Sequence

from marshmallow import Schema, ValidationError

from . import csvfile
from .errors import InvalidInput, RuleViolation

#: how many wrong lines a refusal lists (the count says how many there were)
MAX_LISTED = 500


class CsvRefused(RuleViolation):
    """Lines of the file are wrong (422 ``csv_invalid``, every line's errors in ``details``): the
    file was refused as a whole, nothing of it was imported."""

    default_code = "csv_invalid"
    zh = "文件中有错误的行，整个文件未导入"


class CsvUnreadable(InvalidInput):
    """Not a file this import reads (400): empty, unreadable, a wrong header line, too long."""

    default_code = "csv_unreadable"
    zh = "无法读取该文件，未导入任何内容"


@dataclass
class CsvImport:
    sha256: str
    #: ``(line number in the file, loaded row)``, in file order
    rows: list[tuple[int, dict]] = field(default_factory=list)
    errors: dict[int, dict[str, list[str]]] = field(default_factory=dict)

    def error(self, line: int, column: str, message: str) -> None:
        self.errors.setdefault(line, {}).setdefault(column, []).append(message)

    def refuse_if_errors(self, what: str = "the file") -> None:
        if self.errors:
            lines = sorted(self.errors)
            raise CsvRefused(
                f"{len(lines)} line(s) of {what} are wrong (first: line {lines[0]}); nothing was imported",
                zh=f"文件中有 {len(lines)} 行有误（第一处：第 {lines[0]} 行），未导入任何内容",
                details={"count": len(lines),
                         "lines": [{"line": n, "errors": self.errors[n]} for n in lines[:MAX_LISTED]]})


def _header(cells: Sequence[str], names: Mapping[str, str], required: set[str]) -> list[str]:
    columns, problems = [], []
    for cell in cells:
        name = names.get(cell.strip().lower())
        if name is None:
            problems.append(f"unknown column {cell.strip()!r}")
        elif name in columns:
            problems.append(f"column {name!r} appears twice")
        columns.append(name)
    missing = sorted(required - set(columns))
    if missing:
        problems.append(f"missing column(s): {', '.join(missing)}")
    if problems:
        raise CsvUnreadable("the header line is wrong: " + "; ".join(problems) + "; nothing was imported",
                            code="csv_header", details={"columns": sorted(set(names.values()))},
                            zh="文件表头有误，未导入任何内容")
    return columns


def load_csv(text: str, schema: Schema, *, aliases: Mapping[str, Sequence[str]] | None = None,
             max_rows: int = 50_000) -> CsvImport:
    """Parse and load ``text`` (see the module doc). Raises :class:`CsvUnreadable` for a file with no
    header, a wrong header or more than ``max_rows`` data lines; per-line problems are collected
    in the result's ``errors`` (call :meth:`CsvImport.refuse_if_errors` after your own checks)."""
    parsed = CsvImport(sha256=csvfile.fingerprint(text))
    names = {name.lower(): name for name in schema.fields}
    for name, others in (aliases or {}).items():
        names.update({alias.strip().lower(): name for alias in others})
    required = {name for name, f in schema.fields.items() if f.required}
    try:
        lines = csvfile.rows(text)
    except csvfile.CsvError as exc:
        raise CsvUnreadable(f"not a readable CSV file ({exc}); nothing was imported",
                            zh="不是可读取的 CSV 文件，未导入任何内容") from None
    columns = None
    for line, cells in lines:
        if columns is None:
            columns = _header(cells, names, required)
            continue
        if len(parsed.rows) + len(parsed.errors) >= max_rows:
            raise CsvUnreadable(f"more than {max_rows} lines: split the file; nothing was imported",
                                code="csv_too_long", zh=f"文件超过 {max_rows} 行，请拆分后导入，未导入任何内容")
        if len(cells) > len(columns):
            parsed.error(line, "_line", f"{len(cells)} cells for {len(columns)} columns")
            continue
        raw = {column: cell for column, cell in zip(columns, cells) if cell}
        try:
            parsed.rows.append((line, schema.load(raw)))
        except ValidationError as exc:
            for column, messages in exc.messages.items():
                for message in (messages if isinstance(messages, list) else [str(messages)]):
                    parsed.error(line, column, message)
    if columns is None:
        raise CsvUnreadable("the file is empty: it needs a header line and at least one line",
                            code="csv_empty", zh="文件为空：须有表头和至少一行数据")
    return parsed
