"""Storage through SQLAlchemy: an embedded SQLite file by default, any DATABASE_URL otherwise.

Every write is one transaction that first validates the catalog as it would be afterwards, so a
write either fully succeeds or changes nothing. Each write bumps a version number that readers
(and the app's model cache) use to tell catalogs apart.
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import (
    ArgumentError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)

from .catalog import DATA_DIR, Catalog, read_data_dir
from .i18n import _, ngettext
from .schema import KEY_FIELD, TABLES, JourneyStep, Proposal
from .taxonomy import Taxonomy
from .validate import Problem, Row, validate_tables

DEFAULT_DB_PATH = Path(__file__).resolve().parent.parent / "var" / "catalog.sqlite"

metadata = MetaData()
practices_t = Table("practices", metadata, Column("id", String(200), primary_key=True), Column("city", String(200), index=True), Column("data", Text, nullable=False))
cities_t = Table("cities", metadata, Column("city", String(200), primary_key=True), Column("data", Text, nullable=False))
challenges_t = Table("challenges", metadata, Column("id", String(200), primary_key=True), Column("city", String(200), index=True), Column("data", Text, nullable=False))
proposals_t = Table(
    "proposals",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("city_a", String(200), nullable=False),
    Column("city_b", String(200), nullable=False),
    Column("mode", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("note", Text, nullable=False),
    Column("date", String(10), nullable=False),
    Column("recorded_at", String(40), nullable=False),
)
events_t = Table(
    "catalog_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("table_name", String(20), nullable=False),
    Column("key", String(200), nullable=False, index=True),
    Column("action", String(20), nullable=False),  # added, edited, archived, restored, imported, deleted
    Column("by", String(200), nullable=False),
    Column("at", String(40), nullable=False),
)
programmes_t = Table("programmes", metadata, Column("id", String(200), primary_key=True), Column("city", String(200), index=True),
                     Column("data", Text, nullable=False))
journey_t = Table(
    "journey_steps",
    metadata,
    Column("step_id", Integer, primary_key=True, autoincrement=True),
    Column("pair", String(420), nullable=False, index=True),  # the two cities, sorted, joined by " | "
    Column("data", Text, nullable=False),
    Column("recorded_at", String(40), nullable=False),
)
meta_t = Table("meta", metadata, Column("key", String(50), primary_key=True), Column("value", String(200), nullable=False))
TABLE_OBJ = {"practices": practices_t, "cities": cities_t, "challenges": challenges_t}


class StoreError(RuntimeError):
    """A database problem explained for a person (bad URL, unreachable server, invalid seed data)."""


class ImportRejected(ValueError):
    """An import or edit that would leave the catalog invalid; nothing was written."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        # Translators: the English says "problem(s)" for any count
        super().__init__(ngettext("{n} problem(s); nothing was written. First: {first}", "{n} problem(s); nothing was written. First: {first}",
                                  len(problems)).format(n=len(problems), first=problems[0]))


@dataclass
class ImportReport:
    table: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return _("{table}: {added} added, {updated} updated").format(table=self.table, added=len(self.added), updated=len(self.updated))


def database_url(url: str | None = None) -> str:
    """Explicit URL, else DATABASE_URL, else the SQLite file at CPM_DB_PATH or var/catalog.sqlite."""
    if url:
        return url
    env = os.environ.get("DATABASE_URL", "").strip()
    if env:
        return env
    path = Path(os.environ.get("CPM_DB_PATH", str(DEFAULT_DB_PATH)))
    return f"sqlite:///{path}"


def _make_engine(url: str) -> Engine:
    try:
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            try:
                Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(_("cannot create the database folder: {error}").format(error=exc.strerror)) from None
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        kwargs: dict[str, Any] = {"future": True}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, **kwargs)
    except (ArgumentError, NoSuchModuleError, ValueError) as exc:
        raise StoreError(_("DATABASE_URL is not a usable database address ({kind}: {detail})").format(
            kind=exc.__class__.__name__, detail=str(exc).splitlines()[0])) from None
    except ImportError as exc:
        raise StoreError(_("the database driver is not installed: {name}").format(name=exc.name)) from None
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _connection_record):
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()
            # pysqlite would start a transaction only before a write, so the reads of one load() could see
            # different versions of the catalog. Take over BEGIN (SQLAlchemy's documented recipe): every
            # transaction is a real one, and a read transaction sees one snapshot (WAL).
            dbapi_conn.isolation_level = None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Writers take the write lock at once, so two processes never both read then fail to upgrade.
            conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("sqlite_immediate") else "BEGIN")

    return engine


class Store:
    """The catalog database. Thread-safe: writes are serialised and each is one transaction."""

    def __init__(self, url: str | None = None, data_dir: Path = DATA_DIR, taxonomy: Taxonomy | None = None, seed: bool = True):
        self.url = database_url(url)
        self.data_dir = Path(data_dir)
        self.taxonomy = taxonomy or Taxonomy.load(self.data_dir / "taxonomy.yaml")
        self.engine = _make_engine(self.url)
        self._write_lock = threading.RLock()
        try:
            metadata.create_all(self.engine)
        except (OperationalError, SQLAlchemyError) as exc:
            raise StoreError(_("cannot open the database at {url}: {error}").format(
                url=self.safe_url, error=str(exc.orig if hasattr(exc, "orig") else exc).splitlines()[0])) from None
        if seed:
            self.seed_if_empty()

    @property
    def safe_url(self) -> str:
        """The URL without its password, for messages and logs."""
        try:
            return self.engine.url.render_as_string(hide_password=True)
        except Exception:
            return "(database)"

    # ---- reading -------------------------------------------------------------------------
    def version(self) -> int:
        with self.engine.connect() as conn:
            v = conn.execute(select(meta_t.c.value).where(meta_t.c.key == "version")).scalar()
        return int(v or 0)

    def _raw_tables(self, conn) -> dict[str, list[dict[str, Any]]]:
        out = {}
        for table, t in TABLE_OBJ.items():
            key = t.c[KEY_FIELD[table]]
            out[table] = [json.loads(r.data) for r in conn.execute(select(t.c.data).order_by(key))]
        return out

    def load(self) -> Catalog:
        """A consistent snapshot: all tables and the version read in one transaction."""
        with self.engine.begin() as conn:
            version = int(conn.execute(select(meta_t.c.value).where(meta_t.c.key == "version")).scalar() or 0)
            raw = self._raw_tables(conn)
        models = {t: [TABLES[t].model_validate(r) for r in rows] for t, rows in raw.items()}
        return Catalog(tuple(models["practices"]), tuple(models["cities"]), tuple(models["challenges"]), version, self.taxonomy)

    def export(self) -> dict[str, list[dict[str, Any]]]:
        with self.engine.begin() as conn:
            return self._raw_tables(conn)

    def is_empty(self) -> bool:
        with self.engine.connect() as conn:
            return not conn.execute(select(func.count()).select_from(cities_t)).scalar()

    # ---- writing -------------------------------------------------------------------------
    def seed_if_empty(self) -> None:
        if not self.is_empty():
            return
        raw, files = read_data_dir(self.data_dir)
        models, problems = validate_tables(raw, self.taxonomy, files)
        if problems:
            # Translators: the English says "problem(s)" for any count
            raise StoreError(ngettext("the shipped data has {n} problem(s); run `python -m matcher validate`. First: {first}",
                                      "the shipped data has {n} problem(s); run `python -m matcher validate`. First: {first}",
                                      len(problems)).format(n=len(problems), first=problems[0]))
        with self._write_lock:
            if self.is_empty():
                self._write(lambda current: {t: [m.model_dump(mode="json") for m in models[t]] for t in TABLES}, replace=True)

    def replace_all(self, catalog: dict[str, list[dict[str, Any]]]) -> None:
        """Replace the whole catalog (e.g. importing a full JSON export) in one transaction."""
        rows = {t: [(i + 1, r) for i, r in enumerate(catalog.get(t, []))] for t in TABLES}
        models, problems = validate_tables(rows, self.taxonomy, {t: t for t in TABLES})
        if problems:
            raise ImportRejected(problems)
        self._write(lambda current: {t: [m.model_dump(mode="json") for m in models[t]] for t in TABLES}, replace=True)

    def plan_upsert(self, current: dict[str, list[dict[str, Any]]], table: str, rows: list[Row], file: str = "upload"):
        """The catalog as it would be after adding/updating `rows`; raises ImportRejected listing every problem."""
        if table not in TABLES:
            raise ValueError(_("unknown table {table}; use one of {tables}").format(table=repr(table), tables=", ".join(TABLES)))
        key = KEY_FIELD[table]
        report = ImportReport(table)
        files = {t: t for t in TABLES}
        files[table] = file
        incoming_keys = [r.get(key) for _row, r in rows]
        incoming = set(incoming_keys)
        existing = {r[key] for r in current[table]}
        merged_rows: dict[str, list[Row]] = {}
        for t in TABLES:
            if t == table:
                merged_rows[t] = list(rows) + [(0, r) for r in current[t] if r[key] not in incoming]
            else:
                merged_rows[t] = [(0, r) for r in current[t]]
        models, problems = validate_tables(merged_rows, self.taxonomy, files)
        if problems:
            raise ImportRejected(problems)
        for k in incoming_keys:
            (report.updated if k in existing else report.added).append(k)
        return report, {t: [m.model_dump(mode="json") for m in models[t]] for t in TABLES}

    def check_upsert(self, table: str, rows: list[Row], file: str = "upload") -> ImportReport:
        """Dry run: what an import would do, or ImportRejected with every problem. Writes nothing."""
        report, _new = self.plan_upsert(self.export(), table, rows, file)
        return report

    def upsert(self, table: str, rows: list[Row], file: str = "upload", before_commit: Callable[[], None] | None = None) -> ImportReport:
        """Add or update records of one table. Validates the catalog as it would be; all or nothing."""
        result: list[ImportReport] = []

        def merge(current):
            report, new = self.plan_upsert(current, table, rows, file)
            result.append(report)
            return new

        self._write(merge, replace=False, only=table, before_commit=before_commit)
        return result[0]

    # ---- one record at a time, with who and when ---------------------------------------------
    def add(self, table: str, record: dict[str, Any], by: str, file: str = "form") -> ImportReport:
        """Add one new record; refuses a key that already exists (editing is a separate action)."""
        return self._one(table, record, by, file, must_exist=False, action="added")

    def edit(self, table: str, record: dict[str, Any], by: str, file: str = "form") -> ImportReport:
        """Change one existing record; refuses a key that does not exist (adding is a separate action)."""
        return self._one(table, record, by, file, must_exist=True, action="edited")

    def _one(self, table: str, record: dict[str, Any], by: str, file: str, must_exist: bool, action: str) -> ImportReport:
        key = KEY_FIELD[table]
        result: list[ImportReport] = []

        def merge(current):
            exists = any(r[key] == record.get(key) for r in current[table])
            if exists != must_exist:
                if exists:
                    msg = {"practices": _("a practice with {key} {value} already exists: choose 'Edit' to change it, or give the new one another {key}"),
                           "cities": _("a city with {key} {value} already exists: choose 'Edit' to change it, or give the new one another {key}"),
                           "challenges": _("a stated challenge with {key} {value} already exists: choose 'Edit' to change it, "
                                           "or give the new one another {key}")}[table]
                else:
                    msg = {"practices": _("there is no practice with {key} {value} to edit"), "cities": _("there is no city with {key} {value} to edit"),
                           "challenges": _("there is no stated challenge with {key} {value} to edit")}[table]
                raise ImportRejected([Problem(file, 1, key, msg.format(key=key, value=repr(record.get(key))))])
            report, new = self.plan_upsert(current, table, [(1, record)], file)
            result.append(report)
            return new

        self._write(merge, replace=False, only=table, event=(table, str(record.get(key)), action, by))
        return result[0]

    def set_archived(self, practice_id: str, archived: bool, by: str) -> None:
        """Archive (hide from search, keep in exports and history) or restore a practice."""

        def flip(current):
            rows = [r for r in current["practices"] if r["id"] == practice_id]
            if not rows:
                raise KeyError(_("no practice with id {id}").format(id=repr(practice_id)))
            if bool(rows[0].get("archived")) == archived:
                raise ValueError((_("{id} is already archived") if archived else _("{id} is already in the catalog")).format(id=practice_id))
            new = dict(current)
            new["practices"] = [dict(r, archived=archived) if r["id"] == practice_id else r for r in current["practices"]]
            return new

        self._write(flip, replace=False, only="practices", event=("practices", practice_id, "archived" if archived else "restored", by))

    def history(self, key: str | None = None) -> list[dict[str, Any]]:
        """Who changed which record, and when (oldest first)."""
        q = select(events_t).order_by(events_t.c.event_id)
        if key:
            q = q.where(events_t.c.key == key)
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def delete(self, table: str, key_value: str) -> None:
        key = KEY_FIELD[table]

        def drop(current):
            if not any(r[key] == key_value for r in current[table]):
                # "citie" (the table name less its s) is the English as it was; translations say "city"
                msg = {"practices": _("no practice with {key} {value}"), "cities": _("no citie with {key} {value}"),
                       "challenges": _("no challenge with {key} {value}")}[table]
                raise KeyError(msg.format(key=key, value=repr(key_value)))
            new = dict(current)
            new[table] = [r for r in current[table] if r[key] != key_value]
            rows = {t: [(0, r) for r in new[t]] for t in TABLES}
            _models, problems = validate_tables(rows, self.taxonomy, {t: t for t in TABLES})
            if problems:
                raise ImportRejected(problems)
            return new

        self._write(drop, replace=False, only=table)

    def _write(self, build: Callable, replace: bool, only: str | None = None, before_commit: Callable[[], None] | None = None,
               event: tuple[str, str, str, str] | None = None) -> None:
        """Read the current tables, build the new ones and write them, all in one transaction."""
        with self._write_lock:
            with self.engine.connect().execution_options(sqlite_immediate=True) as c, c.begin():
                conn = c
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("LOCK TABLE meta IN EXCLUSIVE MODE")
                current = self._raw_tables(conn)
                new = build(current)
                for table in ([only] if only else list(TABLES)):
                    t = TABLE_OBJ[table]
                    key = KEY_FIELD[table]
                    conn.execute(t.delete())
                    values = []
                    for r in new[table]:
                        v = {"data": json.dumps(r, ensure_ascii=False, sort_keys=True), key: r[key]}
                        if "city" in t.c and key != "city":
                            v["city"] = r["city"]
                        values.append(v)
                    if values:
                        conn.execute(t.insert(), values)
                if event:
                    table_name, key_value, action, by = event
                    conn.execute(events_t.insert().values(table_name=table_name, key=key_value, action=action, by=by or "unknown",
                                                          at=datetime.now(timezone.utc).isoformat(timespec="seconds")))
                if before_commit:
                    before_commit()
                self._bump(conn)

    @staticmethod
    def _bump(conn) -> None:
        v = conn.execute(select(meta_t.c.value).where(meta_t.c.key == "version")).scalar()
        if v is None:
            conn.execute(meta_t.insert().values(key="version", value="1"))
        else:
            conn.execute(meta_t.update().where(meta_t.c.key == "version").values(value=str(int(v) + 1)))

    # ---- results log: cities' own programmes ---------------------------------------------------
    def programmes(self, public_only: bool = False) -> list:
        from .schema import Programme

        with self.engine.connect() as conn:
            rows = [Programme.model_validate(json.loads(r.data)) for r in conn.execute(select(programmes_t.c.data).order_by(programmes_t.c.id))]
        return [p for p in rows if p.public or not public_only]

    def save_programme(self, record: dict[str, Any], by: str, new: bool) -> None:
        """Add (new=True; refuses an existing id) or replace a programme; validated first, one transaction."""
        from .schema import Programme

        try:
            prog = Programme.model_validate(record)
        except Exception as exc:  # pydantic's ValidationError: every problem, each with its field
            errors = getattr(exc, "errors", lambda: [{"loc": ("",), "msg": str(exc)}])()
            raise ImportRejected([Problem("results log", 1, ".".join(str(x) for x in e["loc"]), e["msg"]) for e in errors]) from None
        catalog = self.load()
        problems = []
        if prog.city not in catalog.city_by_name:
            problems.append(Problem("results log", 1, "city", _("city {city} is not in the cities table").format(city=repr(prog.city))))
        if prog.adapts_practice and prog.adapts_practice not in catalog.practice_by_id:
            problems.append(Problem("results log", 1, "adapts_practice", _("no practice with id {id}").format(id=repr(prog.adapts_practice))))
        unknown = [t for t in prog.themes if t not in catalog.taxonomy.ids]
        if unknown:
            problems.append(Problem("results log", 1, "themes", _("unknown theme id(s): {ids}").format(ids=", ".join(unknown))))
        if problems:
            raise ImportRejected(problems)
        data = json.dumps(prog.model_dump(mode="json"), ensure_ascii=False, sort_keys=True)
        with self._write_lock, self.engine.connect().execution_options(sqlite_immediate=True) as c, c.begin():
            exists = c.execute(select(programmes_t.c.id).where(programmes_t.c.id == prog.id)).first() is not None
            if new and exists:
                raise ImportRejected([Problem("results log", 1, "id", _("a programme with id {id} already exists: choose it to add measurements").format(id=repr(prog.id)))])
            if not new and not exists:
                raise ImportRejected([Problem("results log", 1, "id", _("there is no programme with id {id}").format(id=repr(prog.id)))])
            if exists:
                c.execute(programmes_t.update().where(programmes_t.c.id == prog.id).values(data=data, city=prog.city))
            else:
                c.execute(programmes_t.insert().values(id=prog.id, city=prog.city, data=data))
            c.execute(events_t.insert().values(table_name="programmes", key=prog.id, action="added" if new else "edited", by=by or "unknown",
                                               at=datetime.now(timezone.utc).isoformat(timespec="seconds")))

    # ---- learning journeys -----------------------------------------------------------------
    def journey_steps(self) -> list[JourneyStep]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(journey_t.c.data).order_by(journey_t.c.step_id)).all()
        return [JourneyStep.model_validate_json(r.data) for r in rows]

    def record_step(self, step: JourneyStep) -> None:
        """Record one step of a pair's journey, checked against the pair's steps so far in the same write
        transaction (two hub users cannot both move a pair past the same stage). Raises ValueError."""
        from .journey import pair_key, step_problems

        known = {c.city for c in self.load().cities}
        unknown = [c for c in (step.city_a, step.city_b) if c not in known]
        if unknown:
            raise ValueError(_("unknown city {city}").format(city=repr(unknown[0])))
        key = " | ".join(pair_key(step.city_a, step.city_b))
        with self._write_lock, self.engine.connect().execution_options(sqlite_immediate=True) as c, c.begin():
            rows = c.execute(select(journey_t.c.data).where(journey_t.c.pair == key).order_by(journey_t.c.step_id)).all()
            problems = step_problems([JourneyStep.model_validate_json(r.data) for r in rows], step)
            if problems:
                raise ValueError("; ".join(problems))
            c.execute(journey_t.insert().values(pair=key, data=step.model_dump_json(),
                                                recorded_at=datetime.now(timezone.utc).isoformat(timespec="seconds")))

    # ---- twinning proposals --------------------------------------------------------------
    def record_proposal(self, proposal: Proposal) -> None:
        known = {c.city for c in self.load().cities}
        for name in (proposal.city_a, proposal.city_b):
            if name not in known:
                raise ValueError(_("unknown city {city}").format(city=repr(name)))
        if proposal.city_a == proposal.city_b:
            raise ValueError(_("a city cannot be twinned with itself"))
        with self._write_lock, self.engine.begin() as conn:
            conn.execute(
                proposals_t.insert().values(
                    city_a=proposal.city_a,
                    city_b=proposal.city_b,
                    mode=proposal.mode,
                    status=proposal.status,
                    note=proposal.note,
                    date=proposal.date.isoformat(),
                    recorded_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
                )
            )

    def proposal_history(self, city: str | None = None) -> list[dict[str, Any]]:
        q = select(proposals_t).order_by(proposals_t.c.event_id)
        if city:
            q = q.where((proposals_t.c.city_a == city) | (proposals_t.c.city_b == city))
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(q)]

    def proposal_status(self) -> list[dict[str, Any]]:
        """The latest status of each pair."""
        latest: dict[tuple[str, str], dict[str, Any]] = {}
        for ev in self.proposal_history():
            latest[tuple(sorted((ev["city_a"], ev["city_b"])))] = ev
        return list(latest.values())
