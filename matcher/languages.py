"""Language names for people, not codes: "Catalan, Spanish" rather than "ca, es" (from Babel's CLDR data)."""
from __future__ import annotations

from functools import lru_cache
from typing import Iterable


@lru_cache(maxsize=16)
def _names(locale: str) -> dict[str, str]:
    try:
        from babel import Locale

        return dict(Locale.parse(locale).languages)
    except Exception:  # noqa: BLE001 - without Babel's data, codes are still understandable
        return {}


def language_name(code: str, locale: str | None = None) -> str:
    """In `locale`, or in the reader's language (`i18n`) when none is given."""
    if locale is None:
        from .i18n import babel_locale

        locale = babel_locale()
    return _names(locale).get(code, code)


def language_names(codes: Iterable[str], locale: str | None = None) -> str:
    return ", ".join(language_name(c, locale) for c in codes)


__all__ = ["language_name", "language_names"]
