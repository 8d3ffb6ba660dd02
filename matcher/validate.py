"""Validation that tells a person exactly what is wrong: every rule returns problems, nothing raises.

A problem names the file, the row (line in JSONL, spreadsheet row in CSV/Excel), the field and a
plain-language message.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable

from pydantic import BaseModel, ValidationError

from .i18n import N_, _, ngettext
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
        if self.row is not None:
            return _("{file}, row {row}, field '{field}': {message}").format(file=self.file, row=self.row, field=self.field, message=self.message)
        return _("{file}, field '{field}': {message}").format(file=self.file, field=self.field, message=self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "row": self.row, "field": self.field, "message": self.message}


def _plain(err: dict[str, Any]) -> str:
    kind, msg, value = err["type"], err["msg"], err.get("input")
    if kind == "missing":
        return _("is required but missing")
    if kind == "extra_forbidden":
        return _("is not a known field; remove it or check its spelling")
    if kind == "literal_error":
        return _("{value} is not allowed; use one of: {expected}").format(value=repr(value), expected=err.get("ctx", {}).get("expected", ""))
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("{value} is not a whole number").format(value=repr(value))
    if kind in ("float_parsing", "float_type"):
        return _("{value} is not a number").format(value=repr(value))
    if kind.startswith("date"):
        return _("{value} is not a date like 2026-11-29").format(value=repr(value))
    if kind == "string_too_short":
        return _("must not be empty") if not value else _("{value} is too short").format(value=repr(value))
    if kind == "string_too_long":
        limit = err.get("ctx", {}).get("max_length")
        return ngettext("is too long (at most {max_length} character)", "is too long (at most {max_length} characters)",
                        limit if isinstance(limit, int) else 2).format(max_length=limit)
    if kind in ("list_type", "string_type"):
        return _("has the wrong type ({type})").format(type=type(value).__name__)
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
                problems.append(Problem(file, rownum, key, _("duplicate {field} {value} (first used in row {row})").format(
                    field=key, value=repr(k), row=seen[k])))
            else:
                seen[k] = rownum

    dupes(practices, "id", fp)
    dupes(cities, "city", fc)
    dupes(intakes, "id", fi)

    city_by_name = {c.city: c for _row, c in cities}
    for rownum, c in cities:
        if c.kind in UNLOCATED_KINDS:
            if c.lat is not None or c.lon is not None:
                problems.append(Problem(fc, rownum, "lat", _("a place of kind '{kind}' has no real location; leave lat/lon empty").format(kind=c.kind)))
        elif (c.lat is None) != (c.lon is None):
            # Unknown coordinates stay unknown (the place is not drawn on maps); half a location is an error.
            problems.append(Problem(fc, rownum, "lat" if c.lat is None else "lon", _("give both coordinates (lat and lon), or neither if the location is not known")))
        if c.population is not None and c.population_year is None:
            problems.append(Problem(fc, rownum, "population_year", _("a population needs the year it refers to")))

    def theme_problems(themes, file, rownum):
        problems.extend(_theme_problems(themes, taxonomy, file, rownum))

    for rownum, p in practices:
        theme_problems(p.themes, fp, rownum)
        city = city_by_name.get(p.city)
        if city is None:
            problems.append(Problem(fp, rownum, "city", _not_in_cities(p.city, city_by_name)))
            continue
        if city.region != p.region:
            problems.append(Problem(fp, rownum, "region", _("{region} differs from the region of {city} in the cities table ({city_region})").format(
                region=repr(p.region), city=repr(p.city), city_region=repr(city.region))))
        if city.country_code and city.country_code != p.country_code:
            problems.append(Problem(fp, rownum, "country_code", _("{code} differs from the country code of {city} ({city_code})").format(
                code=repr(p.country_code), city=repr(p.city), city_code=repr(city.country_code))))

    for rownum, t in intakes:
        theme_problems(t.themes, fi, rownum)
        if t.city not in city_by_name:
            problems.append(Problem(fi, rownum, "city", _not_in_cities(t.city, city_by_name)))
    return problems


def _theme_problems(themes: list[str], taxonomy: Taxonomy, file: str, rownum: int | None) -> list[Problem]:
    out = []
    for t in themes:
        if t not in set(taxonomy.ids):
            near = taxonomy.nearest_ids(t)
            message = (_("unknown theme id {theme}; did you mean {names}?").format(theme=repr(t), names=", ".join(repr(n) for n in near)) if near
                       else _("unknown theme id {theme}").format(theme=repr(t)))
            out.append(Problem(file, rownum, "themes", message))
    return out


def _not_in_cities(name: str, names) -> str:
    """'city 'X' is not in the cities table', with the one or two closest names when there are any."""
    import difflib

    near = difflib.get_close_matches(name, list(names), n=2, cutoff=0.6)
    if not near:
        return _("city {city} is not in the cities table").format(city=repr(name))
    guess = repr(near[0]) if len(near) == 1 else _("{first} or {second}").format(first=repr(near[0]), second=repr(near[1]))
    return _("city {city} is not in the cities table; did you mean {names}?").format(city=repr(name), names=guess)


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
    known = {c.city for _row, c in parsed["cities"]} | {str(r.get("city")) for _row, r in failed["cities"]}
    for table in ("practices", "challenges"):
        for rownum, rec in failed[table]:
            name = rec.get("city")
            if isinstance(name, str) and name and name not in known and not any(p.row == rownum and p.field == "city" and p.file == files[table] for p in problems):
                problems.append(Problem(files[table], rownum, "city", _not_in_cities(name, dict.fromkeys(known))))
    problems.sort(key=lambda p: (list(files.values()).index(p.file) if p.file in files.values() else 9, p.row or 0, p.field))
    return {t: [m for _row, m in rows] for t, rows in parsed.items()}, problems


__all__ = ["Problem", "Row", "parse_rows", "check_catalog", "validate_tables", "KEY_FIELD"]


LANGUAGE_NAMES = {"fr": N_("French"), "ar": N_("Arabic")}  # translated where a message names them


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
                problems.append(Problem(file, rownum, f"translations.{lang}", _("practice {id} has no {language} text; add its translated {fields}").format(
                    id=repr(pid), language=_(LANGUAGE_NAMES[lang]), fields=", ".join(TRANSLATED_FIELDS))))
                continue
            for field in TRANSLATED_FIELDS:
                english = str(raw.get(field) or "").strip()
                if english and not str(t.get(field) or "").strip():
                    problems.append(Problem(file, rownum, f"translations.{lang}.{field}", _("practice {id} has an English {field} but no {language} one").format(
                        id=repr(pid), field=field, language=_(LANGUAGE_NAMES[lang]))))
            for field in TRANSLATED_LISTS:
                english_items, items = raw.get(field) or [], t.get(field) or []
                if len(items) != len(english_items) or not all(str(x).strip() for x in items):
                    problems.append(Problem(file, rownum, f"translations.{lang}.{field}",
                                            _("practice {id} has {english} {field} in English and {count} in {language}; translate them item by item").format(
                                                id=repr(pid), english=len(english_items), field=field, count=len(items), language=_(LANGUAGE_NAMES[lang]))))
    return problems
