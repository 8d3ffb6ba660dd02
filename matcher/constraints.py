"""Constraints are not challenges: lines about the city's own means.

"We have no budget for new staff", "la mairie manque de moyens", "لا نملك ميزانية" say what the
city lacks, not what it needs solved. Left in the query they pull practices *about* budgets and
staffing to the top. They are taken out of retrieval here and passed to the fit notes instead, which
flag practices whose prerequisites need exactly what the city says it lacks.

A clause is a constraint when it names a resource of the city (budget, staff, means...) together
with a word of lack (no, lack, manque, نقص...). Clauses are cut at punctuation and at "but"/"mais"/
"لكن", so "youth unemployment is high, but we have no budget" keeps its first half as a challenge.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from .text import normalise

BUDGET, STAFF = "budget", "staff"

# Written already normalised (lower case, no accents, Arabic letters folded as `normalise` does).
_RESOURCES: dict[str, tuple[str, ...]] = {
    BUDGET: (
        r"budgets?", r"funds", r"funding", r"money", r"financements?", r"financing", r"finances", r"grants?", r"cash",
        r"argent", r"subventions?", r"fonds",
        r"ميزاني\w*", r"\w*تمويل\w*", r"\w*اموال\w*", r"مال", r"الماليه", r"ماليه",
    ),
    STAFF: (
        r"staff\w*", r"personnel", r"employees", r"workers", r"manpower", r"people to",
        r"effectifs?", r"agents", r"salaries", r"personnes? pour",
        r"\w*موظف\w*", r"\w*كوادر\w*", r"\w*عاملين", r"\w*عمال", r"اختصاصيين",
    ),
    # General means count as both.
    "means": (
        r"resources?", r"means", r"capacity", r"capacities", r"expertise",
        r"moyens", r"ressources?", r"capacites?",
        r"\w*موارد\w*", r"\w*امكانيات\w*", r"\w*امكانات\w*", r"\w*قدرات\w*", r"\w*الخبر\w*",
    ),
}
_LACK = (
    r"no", r"not enough", r"not have", r"don'?t have", r"do not have", r"lack\w*", r"short of", r"shortage",
    r"little", r"limited", r"without", r"few", r"too few", r"tight", r"scarce", r"can'?t afford",
    r"cannot afford", r"cut", r"cuts", r"shrinking", r"underfunded", r"understaffed", r"stretched",
    r"pas de", r"pas d", r"peu de", r"peu d", r"manque\w*", r"sans", r"faute de", r"limitee?s?", r"insuffisant\w*",
    r"n'?avons pas", r"n'?a pas", r"aucun\w*", r"reduit\w*", r"baisse",
    r"لا نملك", r"لا تملك", r"لا يملك", r"ليس لدينا", r"ليس لديها", r"ليس لديه", r"ليس عندنا", r"لا توجد", r"لا يوجد",
    r"\w*نقص\w*", r"قله", r"قلة", r"محدود\w*", r"ضعف", r"ضعيف\w*", r"بدون", r"دون", r"ينقص\w*", r"تنقص\w*",
    r"تفتقر\w*", r"نفتقر\w*", r"يفتقر\w*", r"شح", r"غياب", r"عدم توفر", r"لا تكفي", r"لا يكفي",
)


def _alternation(patterns: tuple[str, ...]) -> str:
    return "|".join(f"(?:{p})" for p in patterns)


# Word boundaries that work for Latin and Arabic script alike.
_B0, _B1 = r"(?<![\w])", r"(?![\w])"
_RESOURCE_RE = {kind: re.compile(_B0 + "(?:" + _alternation(p) + ")" + _B1) for kind, p in _RESOURCES.items()}
_LACK_RE = re.compile(_B0 + "(?:" + _alternation(_LACK) + ")" + _B1)
# The city itself must be the one lacking: "the youth centre closed for lack of budget" is a problem
# to solve, "we have no budget" is a constraint. A very short clause ("no money") counts on its own.
_SUBJECT = (
    r"we", r"we'?ve", r"we'?re", r"our", r"us", r"the city", r"the council", r"the municipality", r"the town hall", r"city hall",
    r"the county", r"the mayor'?s office",
    r"nous", r"nos", r"notre", r"on", r"la mairie", r"la commune", r"la municipalite", r"la ville", r"le conseil",
    r"\w*لدينا", r"عندنا", r"نملك", r"نحن", r"\w*البلديه", r"بلديتنا", r"المجلس", r"\w*نا",
)
_SUBJECT_RE = re.compile(_B0 + "(?:" + _alternation(_SUBJECT) + ")" + _B1)
SHORT_CLAUSE_WORDS = 4
_CLAUSE_RE = re.compile(r"[,;:؛،.!?؟\n]+|\s(?:but|however|yet|mais|cependant|pourtant|toutefois|لكن|ولكن|لكنها|لكننا)\s", re.IGNORECASE)


@dataclass(frozen=True)
class Constraint:
    """A clause about the city's means, and what it lacks (a subset of {budget, staff})."""

    text: str
    kinds: frozenset[str]

    def as_dict(self) -> dict:
        return {"text": self.text, "lacks": sorted(self.kinds)}


def constraint_kinds(clause: str) -> frozenset[str]:
    """What a clause says the city lacks; empty when it is not a constraint."""
    norm = normalise(clause).replace("’", "'")
    if not _LACK_RE.search(norm):
        return frozenset()
    if not _SUBJECT_RE.search(norm) and len(norm.split()) > SHORT_CLAUSE_WORDS:
        return frozenset()
    kinds: set[str] = set()
    for kind, pattern in _RESOURCE_RE.items():
        if pattern.search(norm):
            kinds.update((BUDGET, STAFF) if kind == "means" else (kind,))
    return frozenset(kinds)


def split_constraints(text: str) -> tuple[str, list[Constraint]]:
    """The text with its constraint clauses taken out, and those clauses."""
    pieces: list[str] = []
    found: list[Constraint] = []
    pos = 0
    for m in [*_CLAUSE_RE.finditer(text), None]:
        end = m.start() if m else len(text)
        clause = text[pos:end]
        kinds = constraint_kinds(clause) if clause.strip() else frozenset()
        if kinds:
            found.append(Constraint(clause.strip(" -*•·\t"), kinds))
        else:
            pieces.append(clause)
        if m:
            pieces.append(m.group(0))
            pos = m.end()
    rest = "".join(pieces) if found else text
    return rest, found


# Words in a practice's prerequisites that need what a constraint says is missing.
PREREQUISITE_NEEDS: dict[str, re.Pattern[str]] = {
    BUDGET: re.compile(r"\b(fund\w*|grant\w*|budget\w*|financ\w*|money|paid|salar\w*|donor\w*|investment)\b", re.IGNORECASE),
    STAFF: re.compile(
        r"\b(staff\w*|counsell?or\w*|mentor\w*|coordinator\w*|workers?|team\w*|specialist\w*|personnel|officers?|"
        r"professional\w*|trainers?|facilitators?|psycholog\w*|social workers?|employees?|experts?)\b",
        re.IGNORECASE,
    ),
}


def unmet_prerequisites(prerequisites: list[str], constraints: list[Constraint]) -> dict[str, list[str]]:
    """Prerequisites that need what the city said it lacks, by kind (budget, staff)."""
    lacks = {k for c in constraints for k in c.kinds}
    out: dict[str, list[str]] = {}
    for kind in sorted(lacks):
        hits = [p for p in prerequisites if PREREQUISITE_NEEDS[kind].search(p)]
        if hits:
            out[kind] = hits
    return out


__all__ = ["BUDGET", "STAFF", "Constraint", "constraint_kinds", "split_constraints", "unmet_prerequisites"]
