"""City Practice Matcher: match cities' stated challenges to other cities' documented practices."""
from .engine import Filters, PracticeMatcher

__all__ = ["PracticeMatcher", "Filters"]
