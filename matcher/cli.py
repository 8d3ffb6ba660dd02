"""`python -m matcher ...`: validate, import, export, stats, recommend, themes, partners, pairs, plan, followups, gaps, funders, evaluate.

Errors are one clear line on stderr: exit 1 for bad data, 2 for bad usage.
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path
from typing import Any

from .catalog import DATA_DIR, Catalog, load_data_dir, read_data_dir
from . import i18n
from .i18n import _, ngettext
from .schema import EVIDENCE_LEVELS, READER_LANGUAGES, REGIONS, TABLES

EXIT_DATA, EXIT_USAGE = 1, 2


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_DATA):
        super().__init__(message)
        self.code = code


class Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2
        raise CliError(_("{prog}: {message} (see --help)").format(prog=self.prog, message=message), EXIT_USAGE)


def _print_json(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2, default=str) + "\n")


def _store(args):
    from .store import Store

    return Store(getattr(args, "database_url", None))


def _catalog(args) -> Catalog:
    return _store(args).load()


def _snapshot(args):
    """The catalog and its fitted models, through the same service the app uses (the model is read from
    disk when this catalog was fitted before)."""
    from .service import CatalogService

    return CatalogService(_store(args), warm=False).snapshot()


# ---- commands --------------------------------------------------------------------------------
def cmd_validate(args) -> int:
    from .io import read_upload
    from .taxonomy import Taxonomy
    from .validate import validate_tables

    path = Path(args.path) if args.path else DATA_DIR
    if not path.exists():
        raise CliError(_("no such file or folder: {path}").format(path=path), EXIT_USAGE)
    if path.is_dir():
        try:
            catalog, problems = load_data_dir(path)
        except FileNotFoundError as exc:
            raise CliError(_("missing file: {file}").format(file=exc.filename))
    else:
        taxonomy = Taxonomy.load(DATA_DIR / "taxonomy.yaml")
        raw, files = read_data_dir(DATA_DIR)
        table, rows, problems0 = read_upload(path.name, path.read_bytes())
        raw[table] = rows
        files[table] = path.name
        models, problems = validate_tables(raw, taxonomy, files)
        problems = problems0 + problems
        catalog = Catalog(tuple(models["practices"]), tuple(models["cities"]), tuple(models["challenges"]))
    from .funders import load_funders

    funders, funder_problems = load_funders(theme_ids=catalog.taxonomy.ids if catalog.taxonomy else ())
    problems = list(problems) + funder_problems
    for p in problems:
        print(_("ERROR {problem}").format(problem=p))
    counts = _("{practices} practices, {cities} cities, {challenges} stated challenges, {funders} funders").format(
        practices=len(catalog.practices), cities=len(catalog.cities), challenges=len(catalog.intakes), funders=len(funders))
    if problems:
        # Translators: the English says "problem(s)" for any count; {counts} lists the valid records
        print(ngettext("{n} problem(s) found ({counts} valid).", "{n} problem(s) found ({counts} valid).", len(problems)).format(n=len(problems), counts=counts))
        return EXIT_DATA
    print(_("OK: {counts}; no problems.").format(counts=counts))
    return 0


def cmd_import(args) -> int:
    from .io import ReadError
    from .service import preview_import
    from .store import ImportRejected

    path = Path(args.file)
    if not path.is_file():
        raise CliError(_("no such file: {path}").format(path=path), EXIT_USAGE)
    store = _store(args)
    data = path.read_bytes()
    try:
        if path.suffix.lower() == ".json" and args.table is None:
            obj = json.loads(data.decode("utf-8-sig"))
            if isinstance(obj, dict) and set(obj) >= {"practices", "cities"}:
                store.replace_all(obj)
                print(_("imported the whole catalog: {practices} practices, {cities} cities, {challenges} stated challenges").format(
                    practices=len(obj["practices"]), cities=len(obj["cities"]), challenges=len(obj.get("challenges", []))))
                return 0
        preview = preview_import(store, path.name, data, args.table)  # every problem of every row, in one pass
        if not preview.ok:
            raise ImportRejected(preview.problems)
        report = store.upsert(preview.table, preview.rows, file=path.name)
    except ReadError as exc:
        raise CliError(f"{path.name}: {exc}")
    except json.JSONDecodeError as exc:
        raise CliError(_("{file}: not valid JSON ({error} at line {line})").format(file=path.name, error=exc.msg, line=exc.lineno))
    except ImportRejected as exc:
        for p in exc.problems:
            print(_("ERROR {problem}").format(problem=p), file=sys.stderr)
        # Translators: the English says "problem(s)" for any count
        raise CliError(ngettext("import rejected: {n} problem(s); nothing was written", "import rejected: {n} problem(s); nothing was written",
                                len(exc.problems)).format(n=len(exc.problems)))
    print(_("imported {report}").format(report=report))
    return 0


def cmd_export(args) -> int:
    from .io import to_csv

    store = _store(args)
    data = store.export()
    if args.format == "json":
        text = json.dumps(data, ensure_ascii=False, indent=2)
        if args.output in (None, "-"):
            sys.stdout.write(text + "\n")
        else:
            Path(args.output).write_text(text + "\n", encoding="utf-8")
            print(_("wrote {path}").format(path=args.output))
        return 0
    tables = [args.table] if args.table else list(TABLES)
    if args.output in (None, "-"):
        if len(tables) != 1:
            raise CliError(_("CSV to standard output needs --table practices|cities|challenges"), EXIT_USAGE)
        sys.stdout.buffer.write(to_csv(tables[0], data[tables[0]]))
        return 0
    out = Path(args.output)
    if len(tables) == 1 and out.suffix.lower() == ".csv":
        out.write_bytes(to_csv(tables[0], data[tables[0]]))
        print(_("wrote {path}").format(path=out))
        return 0
    out.mkdir(parents=True, exist_ok=True)
    for t in tables:
        (out / f"{t}.csv").write_bytes(to_csv(t, data[t]))
    print(_("wrote {path}").format(path=", ".join(str(out / f"{t}.csv") for t in tables)))
    return 0


def compute_stats(catalog: Catalog) -> dict[str, Any]:
    from .freshness import fill_rates, stale, verified_share, with_results
    from .funders import load_funders
    from .funders import stats as funder_stats

    ps = catalog.active_practices
    tax_ids = catalog.taxonomy.ids if catalog.taxonomy else []
    theme_counts = Counter(t for p in ps for t in p.themes)
    return {
        "practices": len(ps),
        "archived_practices": len(catalog.practices) - len(ps),
        "cities": len(catalog.cities),
        "regions": len({p.region for p in ps}),
        "mena_practices": sum(p.region == "MENA" for p in ps),
        "cities_with_challenges": len({i.city for i in catalog.intakes}),
        "themes_used": len(theme_counts),
        "challenges": len(catalog.intakes),
        "avg_themes_per_practice": round(sum(len(p.themes) for p in ps) / len(ps), 3) if ps else 0.0,
        "practices_per_region": dict(sorted(Counter(p.region for p in ps).items())),
        "practices_per_theme": {t: theme_counts.get(t, 0) for t in tax_ids},
        "evidence_levels": {lvl: sum(p.evidence_level == lvl for p in ps) for lvl in EVIDENCE_LEVELS},
        "themes_without_practice": [t for t in tax_ids if not theme_counts.get(t)],
        "themes_with_one_practice": [t for t in tax_ids if theme_counts.get(t) == 1],
        "themes_with_fewer_than_6": [t for t in tax_ids if theme_counts.get(t, 0) < 6],
        "results_reported_or_better_per_theme": {t: with_results(p for p in ps if t in p.themes) for t in tax_ids},
        "implementation_story_fill_rates": fill_rates(ps),
        "verified_last_24_months_share": verified_share(ps),
        "needs_checking": len(stale(ps)),
        "funders": funder_stats(load_funders(theme_ids=tax_ids)[0]),
        "translation_coverage": translation_coverage(ps),
    }


def translation_coverage(practices) -> dict[str, Any]:
    """Share of practices whose reader-facing fields (and prerequisites, item by item) are all there in each
    language (English is the record)."""
    from .schema import TRANSLATED_FIELDS, TRANSLATED_LISTS

    out: dict[str, Any] = {"en": 1.0 if practices else 0.0}
    for lang in READER_LANGUAGES:
        if lang == "en":
            continue
        complete = [p for p in practices if lang in p.translations
                    and all(getattr(p.translations[lang], f) or not getattr(p, f) for f in TRANSLATED_FIELDS)
                    and all(len(getattr(p.translations[lang], f)) == len(getattr(p, f)) for f in TRANSLATED_LISTS)]
        out[lang] = round(len(complete) / len(practices), 4) if practices else 0.0
        out[f"{lang}_missing"] = sorted(p.id for p in practices if p not in complete)[:50]
    return out


def cmd_stats(args) -> int:
    stats = compute_stats(_catalog(args))
    if args.json:
        _print_json(stats)
        return 0
    for key in ("practices", "cities", "regions", "mena_practices", "cities_with_challenges", "themes_used", "challenges", "avg_themes_per_practice",
                "verified_last_24_months_share", "needs_checking"):
        print(f"{key:<26}{stats[key]}")
    print("\n" + _("practices per region:"))
    for k, v in stats["practices_per_region"].items():
        print(f"  {k:<28}{v}")
    print("\n" + _("practices per theme:"))
    for k, v in stats["practices_per_theme"].items():
        print(f"  {k:<36}{v}")
    print("\n" + _("evidence levels:"))
    for k, v in stats["evidence_levels"].items():
        print(f"  {k:<28}{v}")
    print("\n" + _("implementation story, share of practices with each field filled from a source:"))
    for k, v in stats["implementation_story_fill_rates"].items():
        print(f"  {k:<28}{v:.0%}")
    print("\n" + _("themes no practice covers: {themes}").format(themes=", ".join(stats["themes_without_practice"]) or _("none")))
    tc = stats["translation_coverage"]
    print("\n" + _("translated (title, summary, approach, lessons): {coverage}").format(
        coverage=", ".join(f"{lang} {tc[lang]:.0%}" for lang in READER_LANGUAGES)))
    return 0


def _filters(args, catalog: Catalog):
    from .engine import Filters

    asking = None
    if getattr(args, "city", None):
        asking = catalog.find_city(args.city)
        if asking is None:
            raise CliError(_("unknown city {city}; see `python -m matcher stats` or the cities table").format(city=repr(args.city)))
    if args.region and args.region not in REGIONS:
        raise CliError(_("unknown region {region}; use one of: {regions}").format(region=repr(args.region), regions=", ".join(REGIONS)), EXIT_USAGE)
    if args.theme and catalog.taxonomy and args.theme not in catalog.taxonomy.ids:
        near = catalog.taxonomy.nearest_ids(args.theme)
        raise CliError(_unknown_theme(args.theme, near), EXIT_USAGE)
    return Filters(
        regions=(args.region,) if args.region else (),
        themes=(args.theme,) if args.theme else (),
        min_evidence=args.min_evidence,
        exclude_city=asking.city if asking and not args.include_own else None,
    ), asking


def _unknown_theme(theme: str, near: list[str]) -> str:
    if near:
        return _("unknown theme {theme}; did you mean {names}?").format(theme=repr(theme), names=", ".join(near))
    return _("unknown theme {theme}").format(theme=repr(theme))


RESULT_KEYS = ["practice_id", "title", "city", "country", "score", "strength", "themes", "matched_themes", "matched_theme_labels",
               "matched_words", "top_terms", "contributions", "evidence_level", "challenge", "fit_notes", "story", "needs_checking", "last_verified", "source_title", "source_url",
               "text_language"]


def _rows(recs) -> list[dict[str, Any]]:
    return [{k: getattr(r, k) for k in RESULT_KEYS} for r in recs]


def _response_json(resp) -> dict[str, Any]:
    """`results`: the good matches only; `closest`: the nearest practices under the floor."""
    return {
        "results": _rows(resp.results),
        "closest": _rows(resp.closest),
        "language": resp.language,
        # title, summary and story.lessons are in each result's text_language (the reader's, or "en" when a
        # practice has no translation yet); labels, fit notes and messages in the reader's language.
        "reader_language": resp.reader_language,
        "constraints": [c.as_dict() for c in resp.constraints],
        "message": resp.message,
        "meaning_signal": "off: " + resp.meaning_note if resp.meaning_note else "on",
    }


def cmd_recommend(args) -> int:
    from .engine import EmptyStatement, NothingToMatch

    snap = _snapshot(args)
    catalog, matcher = snap.catalog, snap.matcher  # fitted once, also for a whole batch
    filters, asking = _filters(args, catalog)
    if args.queries:
        path = Path(args.queries)
        if not path.is_file():
            raise CliError(_("no such file: {path}").format(path=path), EXIT_USAGE)
        bad = 0
        for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
            if not line.strip():
                continue
            try:
                q = json.loads(line)
                qid, text = q["id"], q["statement"]
            except (json.JSONDecodeError, KeyError, TypeError):
                print(json.dumps({"line": n, "error": "each line must be a JSON object with 'id' and 'statement'"}))
                bad += 1
                continue
            try:
                resp = matcher.recommend(text, k=args.k, filters=filters, asking_city=asking)
                print(json.dumps({"id": qid, **_response_json(resp)}, ensure_ascii=False))
            except (EmptyStatement, NothingToMatch) as exc:
                print(json.dumps({"id": qid, "results": [], "closest": [], "error": str(exc)}, ensure_ascii=False))
        return EXIT_DATA if bad else 0
    if args.text is None:
        raise CliError(_("give a statement in quotes, or --queries FILE"), EXIT_USAGE)
    try:
        resp = matcher.recommend(args.text, k=args.k, filters=filters, asking_city=asking)
    except (EmptyStatement, NothingToMatch) as exc:
        raise CliError(str(exc))
    if args.json:
        _print_json(_response_json(resp))
        return 0
    if resp.meaning_note:
        print(_("note: {note}").format(note=resp.meaning_note))
    print(_("we understood: {themes}").format(themes=", ".join(h.label for h in resp.understood) or _("no known theme")))
    if resp.constraints:
        print(_("what your city lacks (not searched for; checked against each practice's needs): {lacks}").format(lacks="; ".join(c.text for c in resp.constraints)))
    if resp.also_considered:
        print(_("also leaning towards (weighed less): {themes}").format(themes=", ".join(h.label for h in resp.also_considered)))
    if resp.truncated:
        print(_("(the statement was long and was cut to its first 20,000 characters)"))
    if not resp.results:
        print(resp.message)
    for n, r in enumerate([*resp.results, *resp.closest], 1):
        if n == len(resp.results) + 1:
            print("\n" + _("closest, but not a good match:"))
        print(f"\n{n}. {r.title} ({r.city}, {r.country}) {i18n.label(i18n.STRENGTH_LABELS, r.strength).lower()} ({r.score:.2f}) [{i18n.label(i18n.EVIDENCE_LABELS, r.evidence_level)}]")
        if r.text_language != resp.reader_language:
            print("   " + _("(no translation yet: shown in English)"))
        print("   " + r.summary)
        if r.matched_words:
            print("   " + _("your words: {words}").format(words=", ".join(r.matched_words)))
        if r.matched_theme_labels:
            print("   " + _("themes: {themes}").format(themes=", ".join(r.matched_theme_labels)))
        print("   " + _("why: {terms}").format(terms=", ".join(f"{t['term']} {t['contribution']:.2f}" for t in r.top_terms)))
        if len(resp.challenges) > 1:
            print("   " + _("answers: {challenge}").format(challenge=r.challenge))
        for note in r.fit_notes:
            print("   " + _("note: {note}").format(note=note))
        print("   " + _("source: {source}").format(source=r.source_title + (f" <{r.source_url}>" if r.source_url else "")))
    return 0


def cmd_themes(args) -> int:
    from .taxonomy import Taxonomy

    if not args.text or not args.text.strip():
        raise CliError(_("the text is empty"))
    from .constraints import split_constraints

    tax = Taxonomy.load(DATA_DIR / "taxonomy.yaml")
    challenge_text, constraints = split_constraints(args.text)
    hits = tax.detect(challenge_text) if challenge_text.strip() else []
    # hint: named once, and only by a group word ("families"): the matcher weighs it less.
    rows = [{"theme": h.theme_id, "label": h.label, "phrases": list(h.phrases), "count": h.count, "hint": h.group_only} for h in hits]
    if args.json:
        _print_json({"themes": rows, "constraints": [c.as_dict() for c in constraints]})
    else:
        constraint_label = _("constraint (not a challenge)")
        for c in constraints:
            print(f"{constraint_label:<36}{c.text}")
        for r in rows:
            print(f"{r['theme']:<36}{', '.join(r['phrases'])}" + ("  " + _("(hint only)") if r["hint"] else ""))
        if not rows:
            print(_("no known theme found"))
    return 0


def _twinning(args):

    return _snapshot(args).twinning


def _constraints(args):
    from .twinning import Constraints

    if args.region and args.region not in REGIONS:
        raise CliError(_("unknown region {region}; use one of: {regions}").format(region=repr(args.region), regions=", ".join(REGIONS)), EXIT_USAGE)
    return Constraints(args.exclude_same_country, args.shared_language, (args.region,) if args.region else ())


def cmd_partners(args) -> int:
    from .twinning import TwinningError

    if not args.city and not args.text:
        raise CliError(_("give --city NAME and/or --text \"needs\""), EXIT_USAGE)
    tw = _twinning(args)
    try:
        partners = tw.partners(city=args.city, text=args.text, k=args.k, mode=args.mode, constraints=_constraints(args))
    except TwinningError as exc:
        raise CliError(str(exc))
    if args.json:
        _print_json([dict(p.as_dict(), language=i18n.language()) for p in partners])  # reasons are in this language
        return 0
    for n, p in enumerate(partners, 1):
        print(f"{n}. {p.city} ({p.country}) " + _("score {score}: helps you {helps}, you help {you_help}, mutual {mutual}, context {context}").format(
            score=f"{p.score:.3f}", helps=f"{p.helps_you:.3f}", you_help=f"{p.you_help:.3f}", mutual=f"{p.mutual:.3f}", context=f"{p.context['score']:.2f}"))
        for r in p.reasons:
            print(f"   - {r}")
    if not partners:
        print(_("no partner found under these constraints"))
    return 0


def cmd_pairs(args) -> int:
    from .twinning import TwinningError

    tw = _twinning(args)
    cities = [c.strip() for c in args.cities.split(",") if c.strip()] if args.cities else None
    try:
        result = tw.pairs(cities=cities, constraints=_constraints(args), mentor_capacity=args.mentor_capacity, include_groups=args.include_groups)
    except TwinningError as exc:
        raise CliError(str(exc))
    if args.json:
        _print_json(result)
        return 0
    for r in result["pairs"]:
        a, b = (r["mentee"], r["mentor"]) if result["mode"] == "mentor" else (r["city_a"], r["city_b"])
        print(f"{a} <-> {b}  " + _("score {score}: {reason}").format(score=f"{r['weight']:.2f}", reason=r["reason"]))
    for u in result["unpaired"]:
        print(_("not paired: {city}: {reason}").format(city=u["city"], reason=u["reason"]))
    print(_("pair quality {total} in all (pairing the strongest links first: {greedy})").format(
        total=f"{result['total_weight']:.2f}", greedy=f"{result['greedy_weight']:.2f}"))
    return 0


def cmd_plan(args) -> int:
    """The six-part exchange plan (framing questions, practices, transferability check, participants, visit, roadmap)."""
    from .exchange import EXPORTS, PlanError, build_plan

    if args.output == "-" and args.format != "md":
        raise CliError(_("a {format} file cannot go to standard output: give --output FILE").format(format=args.format), EXIT_USAGE)
    try:
        plan = build_plan(_snapshot(args), args.city, args.partner, args.practice)
    except PlanError as exc:
        raise CliError(str(exc))
    data = EXPORTS[args.format](plan)
    if args.output == "-":
        sys.stdout.write(data)
        return 0
    path = Path(args.output)
    if path.exists() and path.is_dir():
        raise CliError(_("{path} is a folder: give a file name").format(path=path), EXIT_USAGE)
    tmp = path.with_name(path.name + ".tmp")
    try:
        tmp.write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        tmp.replace(path)  # all or nothing: a reader never sees half a plan
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CliError(_("could not write {path}: {reason}").format(path=path, reason=exc.strerror or exc))
    print(_("wrote the exchange plan to {path}").format(path=path))
    return 0


def cmd_followups(args) -> int:
    """Check-ins due (6 and 12 months after the plan or the visit), with the funnel and adoption rate."""
    from datetime import date

    from .journey import adoption_rate, follow_ups, funnel, median_days, step_label

    try:
        today = date.fromisoformat(args.today) if args.today else date.today()
    except ValueError:
        raise CliError(_("--today must be a date like 2026-12-06"), EXIT_USAGE)
    steps = _store(args).journey_steps()
    rows = follow_ups(steps, today, due_only=args.due)
    if args.json:
        _print_json({"today": today.isoformat(), "follow_ups": [r.as_dict() for r in rows], "funnel": funnel(steps),
                     "median_days_to_stage": median_days(steps), "adoption_rate": adoption_rate(steps)})
        return 0
    if not rows:
        print(_("no check-in due") if args.due else _("no open journey with a plan or a visit yet"))
    for r in rows:
        flag = _("overdue") if r.overdue else _("due")
        print(f"{r.due.isoformat()}  {flag:<8} {r.city_a} – {r.city_b}: " + _("{check_in} (now: {stage})").format(
            check_in=step_label(r.check_in), stage=step_label(r.stage)))
    return 0


def cmd_gaps(args) -> int:
    from .twinning import gap_report

    rows = gap_report(_catalog(args))
    if args.json:
        _print_json(rows)
        return 0
    for r in rows:
        if r["cities_stating"]:
            print(f"{r['gap_score']:6.3f}  {r['label']:<55} " + _("stated by {cities} cities; {practices} practices ({evaluated} evaluated)").format(
                cities=r["cities_stating"], practices=r["practices"], evaluated=r["well_evidenced_practices"]) + f" {r['note']}")
    from .freshness import FRESHNESS_MONTHS, stale

    old = stale(_catalog(args).active_practices)
    if old:
        print("\n" + _("{n} practices need checking (facts not verified against a source in the last {months} months), oldest first:").format(n=len(old), months=FRESHNESS_MONTHS))
        for p in old[:20]:
            print(f"  {p.last_verified or 'never':<12}{p.id}")
        if len(old) > 20:
            print("  " + _("... and {n} more (the hub's Catalog page lists them all)").format(n=len(old) - 20))
    return 0


def cmd_funders(args) -> int:
    """Funders and technical-assistance providers for a city's stated challenges or a typed statement."""
    from .engine import EmptyStatement, NothingToMatch
    snap = _snapshot(args)
    catalog = snap.catalog
    if not args.city and not args.text:
        raise CliError(_("give --city NAME or a statement in quotes"), EXIT_USAGE)
    city = catalog.find_city(args.city) if args.city else None
    if args.city and city is None:
        raise CliError(_("unknown city {city}; see `python -m matcher stats` or the cities table").format(city=repr(args.city)))
    text = args.text or " \n".join(i.statement for i in catalog.intakes_of(city.city))
    if not text.strip():
        raise CliError(_("{city} has no stated challenges in the catalog; give its needs in quotes").format(city=city.city))
    if args.region and args.region not in REGIONS:
        raise CliError(_("unknown region {region}; use one of: {regions}").format(region=repr(args.region), regions=", ".join(REGIONS)), EXIT_USAGE)
    matcher, fm = snap.matcher, snap.funders
    try:
        st = matcher.analyse(text)
    except (EmptyStatement, NothingToMatch) as exc:
        raise CliError(str(exc))
    region = args.region or (city.region if city else None)
    matches = fm.match(st, region, city.country_code if city else None, k=args.k, direct_only=args.direct_only)
    if args.json:
        _print_json({"city": city.city if city else None, "region": region, "funders": [m.as_dict() for m in matches],
                     "note": "listed from public pages; the tool does not endorse any funder"})
        return 0
    if not matches:
        print(_("no funder in the catalog fits these needs and this region"))
    for n, m in enumerate(matches, 1):
        print(f"{n}. {m.name} ({i18n.label(i18n.FUNDER_KIND_LABELS, m.kind)}): {m.reason}")
        for note in m.notes:
            print("   " + _("note: {note}").format(note=note))
        if m.apply_url:
            print("   " + _("how to apply: {how} <{url}>").format(how=m.how_to_apply or m.apply_url, url=m.apply_url))
        print("   " + _("source: {source} <{url}> (checked {date})").format(source=m.source_title, url=m.source_url, date=m.last_verified))
    print("\n" + _("Listed from public pages; the tool does not endorse any funder."))
    return 0


def cmd_indicators(args) -> int:
    """Indicators that documented practices used, for one theme: each with its practice and source."""
    from .funders import indicators_for, load_indicators

    catalog = _catalog(args)
    if args.theme not in catalog.taxonomy.ids:
        near = catalog.taxonomy.nearest_ids(args.theme)
        raise CliError(_unknown_theme(args.theme, near), EXIT_USAGE)
    rows = indicators_for(args.theme, load_indicators())
    titles = {p.id: p.title for p in catalog.practices}
    out = [dict(i.__dict__, themes=list(i.themes), practice_title=titles.get(i.practice_id, "")) for i in rows]
    if args.json:
        _print_json(out)
        return 0
    if not out:
        print(_("no indicator recorded for this theme yet"))
    for r in out:
        print(f"[{r['kind']}] " + _("{indicator} ({measured_how}): e.g. {example}").format(
            indicator=r["indicator"], measured_how=r["measured_how"], example=r["example"]))
        print("   " + _("from: {title} <{url}>").format(title=r["practice_title"], url=r["source_url"]))
    return 0


def cmd_vectors(args) -> int:
    """Refresh data/vectors/: the meaning vectors of the shipped catalog, so a fresh clone encodes nothing."""
    from .catalog import load_data_dir
    from .engine import meaning_text
    from .meaning import SHIPPED_VECTOR_DIR, VectorStore, default_encoder, text_key

    encoder, note = default_encoder()
    if encoder is None:
        raise CliError(note)
    catalog, problems = load_data_dir()
    if problems:
        # Translators: the English says "problem(s)" for any count
        raise CliError(ngettext("the shipped data has {n} problem(s); run `python -m matcher validate` first",
                                "the shipped data has {n} problem(s); run `python -m matcher validate` first", len(problems)).format(n=len(problems)))
    from .funders import funder_text, load_funders

    texts = [meaning_text(p) for p in catalog.active_practices] + [funder_text(f) for f in load_funders(theme_ids=catalog.taxonomy.ids)[0]]
    matrix, encoded = VectorStore(None).vectors(encoder, texts)
    VectorStore(SHIPPED_VECTOR_DIR).write(encoder.version, {text_key(t): matrix[i] for i, t in enumerate(texts)})
    print(ngettext("wrote {n} practice and funder vector ({version}) to {folder}", "wrote {n} practice and funder vectors ({version}) to {folder}",
                   len(texts)).format(n=len(texts), version=encoder.version, folder=SHIPPED_VECTOR_DIR))
    return 0


def cmd_evaluate(args) -> int:
    from . import evaluate as ev

    snap = _snapshot(args)
    catalog, matcher = snap.catalog, snap.matcher
    try:
        report = ev.run(catalog, args.split, matcher, Path(args.file) if args.file else ev.EVAL_FILE)
    except (ValueError, FileNotFoundError) as exc:
        raise CliError(str(exc))
    report["twinning"] = ev.twinning_report(catalog, matcher)
    if args.json:
        _print_json(report)
    else:
        print(ev.format_table(report))
    return 0


def _lang_option(s) -> None:
    s.add_argument("--lang", choices=list(READER_LANGUAGES), default="en",
                   help="language of titles, summaries, reasons and messages (default en)")


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="python -m matcher", description="City Practice Matcher: catalog tools, recommendations and twinning.")
    p.add_argument("--database-url", help="database address (default: DATABASE_URL, else var/catalog.sqlite)")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)

    s = sub.add_parser("validate", help="check data files and list every problem")
    s.add_argument("path", nargs="?", help="a data folder (default data/) or one CSV/JSON/Excel file to check against it")
    s.set_defaults(func=cmd_validate)

    s = sub.add_parser("import", help="import a CSV, Excel or JSON file into the database (all or nothing)")
    s.add_argument("file")
    s.add_argument("--table", choices=list(TABLES), help="which table the file holds (guessed from its columns)")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("export", help="export the catalog as JSON or CSV")
    s.add_argument("--format", choices=["json", "csv"], default="json")
    s.add_argument("--output", default="-", help="file or folder; '-' for standard output")
    s.add_argument("--table", choices=list(TABLES))
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("stats", help="catalog counts and coverage")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_stats)

    s = sub.add_parser("recommend", help="practices that answer a statement of challenges")
    s.add_argument("text", nargs="?")
    s.add_argument("--queries", help="JSON Lines file of {\"id\", \"statement\"}")
    s.add_argument("--k", type=int, default=10)
    s.add_argument("--city", help="your city: its context drives transfer-fit notes; its own practices are left out")
    s.add_argument("--include-own", action="store_true", help="keep your own city's practices")
    s.add_argument("--region", help="only practices from this region")
    s.add_argument("--theme", help="only practices with this theme id")
    s.add_argument("--min-evidence", choices=list(EVIDENCE_LEVELS))
    s.add_argument("--json", action="store_true")
    _lang_option(s)
    s.set_defaults(func=cmd_recommend)

    s = sub.add_parser("themes", help="themes detected in a text, with the phrases that triggered them")
    s.add_argument("text")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_themes)

    for name, func, helptext in (("partners", cmd_partners, "partner cities for a city or a statement"), ("pairs", cmd_pairs, "optimal twinning pairs across cities")):
        s = sub.add_parser(name, help=helptext)
        if name == "partners":
            s.add_argument("--city")
            s.add_argument("--text")
            s.add_argument("--mode", choices=["mentor", "peer"], default="peer")
            s.add_argument("--k", type=int, default=5)
        else:
            s.add_argument("--cities", help="comma-separated city names")
            s.add_argument("--mentor-capacity", type=int, help="mentor mode: each mentor takes at most N mentees")
            s.add_argument("--include-groups", action="store_true", help="also pair groups of places and unnamed places (default: cities and counties)")
        s.add_argument("--region")
        s.add_argument("--exclude-same-country", action="store_true")
        s.add_argument("--shared-language", action="store_true", help="require a shared working language")
        s.add_argument("--json", action="store_true")
        _lang_option(s)
        s.set_defaults(func=func)

    s = sub.add_parser("plan", help="an exchange plan for a city learning from a partner (Markdown, Word or PDF)")
    s.add_argument("--city", required=True, help="the city that learns (its stated challenges frame the plan)")
    s.add_argument("--partner", required=True, help="the city it learns from")
    s.add_argument("--practice", action="append", default=[], help="a practice id at the heart of the exchange (repeatable)")
    s.add_argument("--format", choices=["md", "docx", "pdf"], default="md")
    s.add_argument("--output", default="-", help="file to write; '-' (Markdown only) for standard output")
    _lang_option(s)
    s.set_defaults(func=cmd_plan)

    s = sub.add_parser("followups", help="learning journeys: the next check-in of each twinning pair, and the hub's figures")
    s.add_argument("--due", action="store_true", help="only the check-ins due by today (overdue ones flagged)")
    s.add_argument("--today", help="the day to count from (YYYY-MM-DD; default today)")
    s.add_argument("--json", action="store_true")
    _lang_option(s)
    s.set_defaults(func=cmd_followups)

    s = sub.add_parser("gaps", help="needs that few practices cover, or cover with weak evidence")
    s.add_argument("--json", action="store_true")
    _lang_option(s)
    s.set_defaults(func=cmd_gaps)

    s = sub.add_parser("funders", help="funders and technical assistance for a city's needs or a statement")
    s.add_argument("text", nargs="?")
    s.add_argument("--city")
    s.add_argument("--region")
    s.add_argument("--k", type=int, default=5)
    s.add_argument("--direct-only", action="store_true", help="only funders local governments can apply to directly")
    s.add_argument("--json", action="store_true")
    _lang_option(s)
    s.set_defaults(func=cmd_funders)

    s = sub.add_parser("indicators", help="indicators that documented practices used, for a theme")
    s.add_argument("--theme", required=True)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_indicators)

    s = sub.add_parser("vectors", help="refresh the shipped meaning vectors in data/vectors/ from data/")
    s.set_defaults(func=cmd_vectors)

    s = sub.add_parser("evaluate", help="ranking quality against TF-IDF, BM25 and random; twinning coverage")
    s.add_argument("--split", choices=["dev", "test", "all"], default="test")
    s.add_argument("--file", help="evaluation statements (default data/eval/statements.jsonl)")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_evaluate)
    return p


def main(argv: list[str] | None = None) -> int:
    from .store import ImportRejected, StoreError

    try:
        args = build_parser().parse_args(argv)
        i18n.set_language(getattr(args, "lang", None))
        if getattr(args, "k", None) is not None and args.k < 1:
            raise CliError(_("--k must be at least 1"), EXIT_USAGE)
        return args.func(args)
    except CliError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return exc.code
    except StoreError as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return EXIT_DATA
    except ImportRejected as exc:
        print(_("error: {message}").format(message=exc), file=sys.stderr)
        return EXIT_DATA
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        return 130
