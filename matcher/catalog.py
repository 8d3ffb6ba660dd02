"""The catalog as an immutable snapshot, and loading it from the shipped data/ folder."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from .io import read_jsonl
from .schema import TABLES, City, Intake, Practice
from .taxonomy import Taxonomy
from .text import normalise
from .validate import Problem, translation_problems, validate_tables

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
FILES = {"practices": "practices.jsonl", "cities": "cities.jsonl", "challenges": "challenges.jsonl"}


@dataclass(frozen=True)
class Catalog:
    """One consistent version of the catalog. Readers hold a snapshot; writers build a new one."""

    practices: tuple[Practice, ...]
    cities: tuple[City, ...]
    intakes: tuple[Intake, ...]
    version: int = 0
    taxonomy: Taxonomy | None = field(default=None, compare=False)

    @cached_property
    def city_by_name(self) -> dict[str, City]:
        return {c.city: c for c in self.cities}

    @cached_property
    def active_practices(self) -> tuple[Practice, ...]:
        """The practices search and twinning see: all but the archived ones."""
        return tuple(p for p in self.practices if not p.archived)

    @cached_property
    def practice_by_id(self) -> dict[str, Practice]:
        return {p.id: p for p in self.practices}

    def intakes_of(self, city: str) -> list[Intake]:
        return [i for i in self.intakes if i.city == city]

    def find_city(self, name: str) -> City | None:
        """Exact name first, then a case- and accent-insensitive match."""
        if name in self.city_by_name:
            return self.city_by_name[name]
        key = normalise(name)
        for c in self.cities:
            if normalise(c.city) == key:
                return c
        return None

    def as_dict(self) -> dict[str, list[dict]]:
        return {
            "practices": [p.model_dump(mode="json") for p in self.practices],
            "cities": [c.model_dump(mode="json") for c in self.cities],
            "challenges": [i.model_dump(mode="json") for i in self.intakes],
        }


def read_data_dir(data_dir: Path = DATA_DIR) -> tuple[dict[str, list], dict[str, str]]:
    raw, files = {}, {}
    for table, name in FILES.items():
        path = Path(data_dir) / name
        files[table] = str(path.name)
        raw[table] = read_jsonl(path) if path.exists() else []
    return raw, files


def load_data_dir(data_dir: Path = DATA_DIR, taxonomy: Taxonomy | None = None) -> tuple[Catalog, list[Problem]]:
    """Read and validate data/. The catalog holds only the records that passed validation."""
    taxonomy = taxonomy or Taxonomy.load(Path(data_dir) / "taxonomy.yaml")
    raw, files = read_data_dir(data_dir)
    models, problems = validate_tables(raw, taxonomy, files)
    problems = list(problems) + translation_problems(raw["practices"], files["practices"])
    catalog = Catalog(tuple(models["practices"]), tuple(models["cities"]), tuple(models["challenges"]), 0, taxonomy)
    return catalog, problems


__all__ = ["Catalog", "DATA_DIR", "FILES", "load_data_dir", "read_data_dir", "TABLES"]
