"""Deterministic synthetic catalogs for benchmarks: realistic mixed EN/FR/AR vocabulary.

Words come from the taxonomy's labels and synonyms (all three languages) and from the shipped
practices' own text, so the analyser, stemmers and theme layer do real work.
"""
from __future__ import annotations

import random
import re
from datetime import date
from pathlib import Path

from matcher.catalog import DATA_DIR, load_data_dir
from matcher.schema import EVIDENCE_LEVELS, REGIONS, City, Intake, Practice

ROOT = Path(__file__).resolve().parent.parent


def _vocab():
    catalog, _ = load_data_dir(DATA_DIR)
    tax = catalog.taxonomy
    theme_phrases = {t.id: t.phrases() for t in tax.themes}
    words = []
    for p in catalog.practices:
        words.extend(w for w in re.findall(r"[^\W\d_]{3,}", p.summary) if w[0].islower())
    return catalog, tax, theme_phrases, sorted(set(words))


def generate(n_practices: int, seed: int = 42, intake_share: float = 0.3):
    """(practices, cities, intakes, queries) for a catalog of n_practices; same seed, same catalog."""
    rng = random.Random(seed)
    catalog, tax, theme_phrases, words = _vocab()
    ids = tax.ids
    n_cities = max(10, n_practices // 10)
    languages = [["en"], ["fr"], ["ar", "fr"], ["ar"], ["en", "fr"]]
    cities = []
    for i in range(n_cities):
        region = REGIONS[i % len(REGIONS)]
        cities.append(City.model_construct(
            city=f"City {i:06d}", country=f"Country {i % 150:03d}", country_code=None, region=region, kind="city",
            lat=rng.uniform(-60, 70), lon=rng.uniform(-170, 170), population=int(10 ** rng.uniform(4, 7)), population_year=2020,
            languages=rng.choice(languages), networks=[],
        ))
    today = date(2026, 11, 29)
    practices = []
    for i in range(n_practices):
        c = cities[i % n_cities]
        themes = rng.sample(ids, rng.choice([1, 2, 2, 3, 3, 4]))
        parts = []
        for _ in range(rng.randint(35, 90)):
            if rng.random() < 0.12:
                parts.append(rng.choice(theme_phrases[rng.choice(themes)]))
            else:
                parts.append(rng.choice(words))
        summary = " ".join(parts)
        practices.append(Practice.model_construct(
            id=f"p{i:07d}", title=" ".join(rng.choice(theme_phrases[themes[0]]).split()[:4] + rng.sample(words, 3)),
            city=c.city, country=c.country, country_code="XX", region=c.region, summary=summary,
            challenges_addressed=[rng.choice(theme_phrases[t]) for t in themes], approach=" ".join(rng.sample(words, 12)),
            target_groups=[], lead_actor="municipality", partners=[], themes=themes, start_year=None, status="unknown",
            results="", evidence_level=rng.choice(EVIDENCE_LEVELS), lessons="", prerequisites=[],
            source_title="synthetic", source_url=None, source_language="en", last_reviewed=today,
        ))
    intakes = []
    for j, c in enumerate(cities):
        if rng.random() < intake_share:
            for k in range(rng.randint(1, 3)):
                t = rng.sample(ids, rng.choice([1, 2]))
                text = " ".join(rng.choice(theme_phrases[x]) for x in t) + " " + " ".join(rng.sample(words, 6))
                intakes.append(Intake.model_construct(id=f"i{j:06d}-{k}", city=c.city, statement=text, themes=t, source="synthetic",
                                                      source_url=None, date=None, language="en"))
    queries = [query_text(rng, theme_phrases, words, ids) for _ in range(1000)]
    return practices, cities, intakes, queries, tax


def query_text(rng, theme_phrases, words, ids) -> str:
    themes = rng.sample(ids, rng.choice([1, 2, 3]))
    lines = []
    for t in themes:
        lines.append(" ".join([rng.choice(theme_phrases[t])] + rng.sample(words, rng.randint(3, 10))))
    return "\n".join(lines)
