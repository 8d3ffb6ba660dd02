"""Catalog files in and out: JSON Lines, JSON, CSV (Excel-friendly) and Excel.

Reading sniffs the encoding (UTF-8 with or without BOM, UTF-16 as Excel writes it, cp1252) and the
delimiter. Writing CSV adds a BOM, joins list fields with ';' and neutralises spreadsheet formulas.
"""
from __future__ import annotations

import csv
import io
import json
import typing
from pathlib import Path
from typing import Any, Iterable

from .i18n import _, babel_locale
from .schema import TABLES, list_fields
from .validate import Problem, Row

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
LIST_SEP = ";"


class ReadError(ValueError):
    """A file that cannot be read at all; the message is meant for a person."""


def escape_formula(value: Any) -> Any:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    if value.startswith("'") and value[1:2] and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def decode_bytes(data: bytes) -> str:
    """Decode text from a file of unknown origin; Excel writes UTF-16 with a BOM, older tools cp1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    if len(data) > 1 and data[1:2] == b"\x00":  # UTF-16 without BOM
        try:
            return data.decode("utf-16-le")
        except UnicodeDecodeError:
            pass
    return data.decode("cp1252", errors="replace")


def guess_table(columns: Iterable[str]) -> str | None:
    cols = set(columns)
    if "summary" in cols or "evidence_level" in cols:
        return "practices"
    if "statement" in cols:
        return "challenges"
    if "lat" in cols or "population" in cols or ("city" in cols and "kind" in cols):
        return "cities"
    return None


def _typed(table: str, row: dict[str, Any]) -> dict[str, Any]:
    """Turn spreadsheet cells into record values: ';' lists, empty cells as missing."""
    model = TABLES[table]
    lists = set(list_fields(model))
    dicts = {n for n, f in model.model_fields.items() if typing.get_origin(f.annotation) is dict}
    out: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:  # more cells than header columns
            out["(extra cells)"] = value
            continue
        key = str(key).strip()
        if isinstance(value, float) and value != value:  # NaN from Excel
            value = None
        if isinstance(value, str):
            value = unescape_formula(value.strip())
            if value == "":
                value = None
        if key in dicts and isinstance(value, str):
            try:  # a nested field (translations) travels through a spreadsheet as one JSON cell
                value = json.loads(value)
            except json.JSONDecodeError:
                pass  # left as text: validation says the field has the wrong type
        if key in lists:
            if value is None:
                value = []
            elif isinstance(value, str):
                value = [v.strip() for v in value.split(LIST_SEP) if v.strip()]
        if value is None and key not in lists:
            f = model.model_fields.get(key)
            if f is not None and f.is_required():
                continue  # reported as "required but missing"
            if f is not None and f.default not in (None,) and not callable(f.default_factory or None):
                continue  # let the schema default apply
        if isinstance(value, float) and key in ("start_year", "population", "population_year") and value.is_integer():
            value = int(value)
        out[key] = value
    return out


def parse_csv_text(text: str, table: str | None = None) -> tuple[str, list[Row], list[Problem]]:
    sample = text[:20000]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = reader.fieldnames or []
    table = table or guess_table(header)
    if table is None:
        raise ReadError(
            _("could not tell which table this file holds: its header should contain the practice, city or challenge columns "
              "(found: {found}; is the delimiter ',' or ';'?)").format(found=", ".join(header[:8]) or _("nothing"))
        )
    problems = []
    known = set(TABLES[table].model_fields)
    unknown = [h for h in header if h and h.strip() not in known]
    for h in unknown:
        problems.append(Problem("upload", 1, h, _("unknown column {column}; expected columns are: {columns}").format(
            column=repr(h), columns=", ".join(TABLES[table].model_fields))))
    rows = [(i + 2, _typed(table, r)) for i, r in enumerate(reader)]
    return table, rows, problems


def _megabytes(size: int, decimals: int) -> str:
    """A size in MB, rounded as Python rounds it, with the reader's decimal mark (6.3 / 6,3) and no grouping."""
    from babel.numbers import format_decimal

    return format_decimal(float(f"{size / 1e6:.{decimals}f}"), format="0." + "0" * decimals if decimals else "0",
                          locale=babel_locale(), numbering_system="latn")


def read_upload(name: str, data: bytes, table: str | None = None) -> tuple[str, list[Row], list[Problem]]:
    """Read an uploaded CSV, Excel, JSON or JSON Lines file into raw rows of one table."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ReadError(_("the file is {size} MB; the limit is {limit} MB").format(size=_megabytes(len(data), 1), limit=_megabytes(MAX_UPLOAD_BYTES, 0)))
    if not data.strip():
        raise ReadError(_("the file is empty"))
    suffix = Path(name).suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        import pandas as pd

        try:
            frame = pd.read_excel(io.BytesIO(data), dtype=object)
        except Exception as exc:  # openpyxl raises many kinds on a corrupt file
            raise ReadError(_("this is not a readable Excel file ({error})").format(error=type(exc).__name__)) from None
        frame = frame.where(frame.notna(), None)
        text = frame.to_csv(index=False)
        return parse_csv_text(text, table)
    text = decode_bytes(data)
    if suffix in (".json", ".jsonl") or text.lstrip()[:1] in ("{", "["):
        return parse_json_text(text, table)
    return parse_csv_text(text, table)


def parse_json_text(text: str, table: str | None = None) -> tuple[str, list[Row], list[Problem]]:
    stripped = text.strip()
    rows: list[Row] = []
    try:
        if stripped.startswith("[") or (stripped.startswith("{") and "\n{" not in stripped):
            obj = json.loads(stripped)
            if isinstance(obj, dict):
                tables = [t for t in TABLES if t in obj]
                if len(tables) != 1 and table is None:
                    raise ReadError(_("a catalog JSON object holds several tables; import it with `import` on the whole catalog"))
                obj = obj[table or tables[0]]
            rows = [(i + 1, r) for i, r in enumerate(obj)]
        else:
            for i, line in enumerate(stripped.splitlines(), 1):
                if line.strip():
                    rows.append((i, json.loads(line)))
    except json.JSONDecodeError as exc:
        raise ReadError(_("not valid JSON at line {line}, column {column}: {error}").format(line=exc.lineno, column=exc.colno, error=exc.msg)) from None
    bad = [n for n, r in rows if not isinstance(r, dict)]
    if bad:
        raise ReadError(_("row {row} is not a JSON object").format(row=bad[0]))
    table = table or guess_table(rows[0][1].keys() if rows else [])
    if table is None:
        raise ReadError(_("could not tell which table this file holds from its fields"))
    return table, rows, []


def read_jsonl(path: Path) -> list[Row]:
    rows = []
    with open(path, encoding="utf-8-sig") as fh:
        for i, line in enumerate(fh, 1):
            if line.strip():
                try:
                    rows.append((i, json.loads(line)))
                except json.JSONDecodeError as exc:
                    raise ReadError(_("{file}, row {row}: not valid JSON ({error})").format(file=path.name, row=i, error=exc.msg)) from None
    return rows


def to_csv(table: str, records: list[dict[str, Any]]) -> bytes:
    """Excel-friendly CSV of one catalog table, in schema column order."""
    return rows_to_csv(records, list(TABLES[table].model_fields))


def rows_to_csv(rows: list[dict[str, Any]], columns: list[str] | None = None) -> bytes:
    """Plain rows as Excel-friendly CSV: UTF-8 with BOM, ';'-joined lists, formulas neutralised."""
    columns = columns or (list(rows[0]) if rows else [])
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    for r in rows:
        out = []
        for c in columns:
            v = r.get(c)
            if isinstance(v, (list, tuple)):
                v = f"{LIST_SEP} ".join(str(x) for x in v)
            elif isinstance(v, dict):
                v = json.dumps(v, ensure_ascii=False) if v else ""
            v = "" if v is None else v
            out.append(escape_formula(v) if isinstance(v, str) else v)
        writer.writerow(out)
    return ("\ufeff" + buf.getvalue()).encode("utf-8")
