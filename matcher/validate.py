"""Validation that tells a person exactly what is wrong: every rule returns problems, nothing raises.

A problem names the file, the row (line in JSONL, spreadsheet row in CSV/Excel), the field and a
plain-language message.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError

from .schema import KEY_FIELD, TABLES, TRANSLATED_FIELDS, TRANSLATED_LANGUAGES, TRANSLATED_LISTS, UNLOCATED_KINDS, City, Intake, Practice
from .taxonomy import Taxonomy

Row = tuple[int, dict[str, Any]]  # (row number as a person sees it, raw record)


@dataclass(frozen=True)
class Problem:
    file: str
    row: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}" + (f", row {self.row}" if self.row is not None else "")
        return f"{where}, field '{self.field}': {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "field": self.field, "message": self.message}


def _plain(err: dict[str, Any]) -> str:
    kind, msg, value = err["type"], err["msg"], err.get("input")
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        return "is not a known field; remove it or check its spelling"
    if kind == "literal_error":
        return f"{value!r} is not allowed; use one of: {err.get('ctx', {}).get('expected', '')}"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{value!r} is not a whole number"
    if kind in ("float_parsing", "float_type"):
        return f"{value!r} is not a number"
    if kind.startswith("date"):
        return f"{value!r} is not a date like 2026-11-29"
    if kind == "string_too_short":
        return "must not be empty" if not value else f"{value!r} is too short"
    if kind == "string_too_long":
        return f"is too long (at most {err.get('ctx', {}).get('max_length')} characters)"
    if kind in ("list_type", "string_type"):
        return f"has the wrong type ({type(value).__name__})"
    if msg.startswith("Value error, "):
        return msg[len("Value error, "):]
    return msg


def parse_rows(table: str, rows: Iterable[Row], file: str) -> tuple[list[BaseModel], list[Problem]]:
    """Validate each raw row against the schema model of its table."""
    model = TABLES[table]
    good, problems = [], []
    for rownum, raw in rows:
        try:
            good.append(model.model_validate(raw))
        except ValidationError as exc:
            for err in exc.errors():
                field = ".".join(str(p) for p in err["loc"]) or "(record)"
                problems.append(Problem(file, rownum, field, _plain(err)))
    return good, problems


def check_catalog(
    practices: list[tuple[int, Practice]],
    cities: list[tuple[int, City]],
    intakes: list[tuple[int, Intake]],
    taxonomy: Taxonomy,
    files: dict[str, str],
) -> list[Problem]:
    """Rules that look across records: duplicates, references, theme ids, coordinates."""
    problems: list[Problem] = []
    fp, fc, fi = files["practices"], files["cities"], files["challenges"]

    def dupes(rows, key, file):
        seen: dict[str, int] = {}
        for rownum, rec in rows:
            k = getattr(rec, key)
            if k in seen:
                problems.append(Problem(file, rownum, key, f"duplicate {key} {k!r} (first used in row {seen[k]})"))
            else:
                seen[k] = rownum

    dupes(practices, "id", fp)
    dupes(cities, "city", fc)
    dupes(intakes, "id", fi)

    city_by_name = {c.city: c for _, c in cities}
    for rownum, c in cities:
        if c.kind in UNLOCATED_KINDS:
            if c.lat is not None or c.lon is not None:
                problems.append(Problem(fc, rownum, "lat", f"a place of kind '{c.kind}' has no real location; leave lat/lon empty"))
        elif (c.lat is None) != (c.lon is None):
            # Unknown coordinates stay unknown (the place is not drawn on maps); half a location is an error.
            problems.append(Problem(fc, rownum, "lat" if c.lat is None else "lon", "give both coordinates (lat and lon), or neither if the location is not known"))
        if c.population is not None and c.population_year is None:
            problems.append(Problem(fc, rownum, "population_year", "a population needs the year it refers to"))

    def theme_problems(themes, file, rownum):
        problems.extend(_theme_problems(themes, taxonomy, file, rownum))

    for rownum, p in practices:
        theme_problems(p.themes, fp, rownum)
        city = city_by_name.get(p.city)
        if city is None:
            near = _close(p.city, city_by_name)
            problems.append(Problem(fp, rownum, "city", f"city {p.city!r} is not in the cities table{near}"))
            continue
        if city.region != p.region:
            problems.append(Problem(fp, rownum, "region", f"{p.region!r} differs from the region of {p.city!r} in the cities table ({city.region!r})"))
        if city.country_code and city.country_code != p.country_code:
            problems.append(Problem(fp, rownum, "country_code", f"{p.country_code!r} differs from the country code of {p.city!r} ({city.country_code!r})"))

    for rownum, t in intakes:
        theme_problems(t.themes, fi, rownum)
        if t.city not in city_by_name:
            problems.append(Problem(fi, rownum, "city", f"city {t.city!r} is not in the cities table{_close(t.city, city_by_name)}"))
    return problems


def _theme_problems(themes: list[str], taxonomy: Taxonomy, file: str, rownum: int | None) -> list[Problem]:
    out = []
    for t in themes:
        if t not in set(taxonomy.ids):
            near = taxonomy.nearest_ids(t)
            hint = f"; did you mean {', '.join(repr(n) for n in near)}?" if near else ""
            out.append(Problem(file, rownum, "themes", f"unknown theme id {t!r}{hint}"))
    return out


def _close(name: str, names) -> str:
    import difflib

    near = difflib.get_close_matches(name, list(names), n=2, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""


def validate_tables(raw: dict[str, list[Row]], taxonomy: Taxonomy, files: dict[str, str] | None = None):
    """Parse and check a whole catalog given as raw rows per table. Returns (models per table, problems)."""
    files = files or {t: t for t in TABLES}
    parsed: dict[str, list[tuple[int, Any]]] = {}
    failed: dict[str, list[Row]] = {}
    problems: list[Problem] = []
    for table in TABLES:
        rows = raw.get(table, [])
        models, probs = parse_rows(table, rows, files[table])
        problems.extend(probs)
        # keep row numbers aligned with the models that parsed
        ok_rows = []
        it = iter(models)
        bad_rows = {p.row for p in probs}
        for rownum, rec in rows:
            if rownum not in bad_rows:
                ok_rows.append((rownum, next(it)))
            elif table != "cities" and isinstance(rec.get("themes"), list):
                # a row that failed the schema still gets its theme ids checked, so one run lists everything
                problems.extend(_theme_problems([str(t) for t in rec["themes"]], taxonomy, files[table], rownum))
        parsed[table] = ok_rows
        failed[table] = [(rownum, rec) for rownum, rec in rows if rownum in bad_rows]
    problems.extend(check_catalog(parsed["practices"], parsed["cities"], parsed["challenges"], taxonomy, files))
    # Rows that failed the schema still get the cross-table check of their city, so one run lists everything.
    known = {c.city for _, c in parsed["cities"]} | {str(r.get("city")) for _, r in failed["cities"]}
    for table in ("practices", "challenges"):
        for rownum, rec in failed[table]:
            name = rec.get("city")
            if isinstance(name, str) and name and name not in known and not any(p.row == rownum and p.field == "city" and p.file == files[table] for p in problems):
                problems.append(Problem(files[table], rownum, "city", f"city {name!r} is not in the cities table{_close(name, dict.fromkeys(known))}"))
    problems.sort(key=lambda p: (list(files.values()).index(p.file) if p.file in files.values() else 9, p.row or 0, p.field))
    return {t: [m for _, m in rows] for t, rows in parsed.items()}, problems


__all__ = ["Problem", "Row", "parse_rows", "check_catalog", "validate_tables", "KEY_FIELD"]


LANGUAGE_NAMES = {"fr": "French", "ar": "Arabic"}


def translation_problems(rows: Iterable[Row], file: str) -> list[Problem]:
    """The shipped catalog is read in English, French and Arabic: every practice needs its French and Arabic
    title, summary, approach and lessons (where the English has them). Names the record and the field."""
    problems = []
    for rownum, raw in rows:
        pid = raw.get("id") or "?"
        translations = raw.get("translations") or {}
        for lang in TRANSLATED_LANGUAGES:
            t = translations.get(lang) if isinstance(translations, dict) else None
            if not isinstance(t, dict):
                problems.append(Problem(file, rownum, f"translations.{lang}", f"practice {pid!r} has no {LANGUAGE_NAMES[lang]} text; add its translated {', '.join(TRANSLATED_FIELDS)}"))
                continue
            for field in TRANSLATED_FIELDS:
                english = str(raw.get(field) or "").strip()
                if english and not str(t.get(field) or "").strip():
                    problems.append(Problem(file, rownum, f"translations.{lang}.{field}", f"practice {pid!r} has an English {field} but no {LANGUAGE_NAMES[lang]} one"))
            for field in TRANSLATED_LISTS:
                english_items, items = raw.get(field) or [], t.get(field) or []
                if len(items) != len(english_items) or not all(str(x).strip() for x in items):
                    problems.append(Problem(file, rownum, f"translations.{lang}.{field}",
                                            f"practice {pid!r} has {len(english_items)} {field} in English and {len(items)} in {LANGUAGE_NAMES[lang]}; translate them item by item"))
    return problems
