"""City context shared by twinning and fit notes: one definition of "similar size"."""
from __future__ import annotations

import math

from .schema import City

# Two places are of similar size when the larger has at most this many times the smaller's population.
POPULATION_BAND_RATIO = 10.0
LOG_POPULATION_BAND = math.log10(POPULATION_BAND_RATIO)


def population_ratio(a: City, b: City) -> float | None:
    """Larger population over smaller; None when either is unknown."""
    if not a.population or not b.population:
        return None
    return max(a.population, b.population) / max(1, min(a.population, b.population))


def similar_size(a: City, b: City) -> bool:
    ratio = population_ratio(a, b)
    return ratio is not None and ratio <= POPULATION_BAND_RATIO


__all__ = ["LOG_POPULATION_BAND", "POPULATION_BAND_RATIO", "population_ratio", "similar_size"]
