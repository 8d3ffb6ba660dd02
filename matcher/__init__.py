"""City Practice Matcher: match cities' stated challenges to other cities' documented practices."""
__all__ = ["PracticeMatcher", "Filters"]


def __getattr__(name: str):
    """Import the engine on first use: `import matcher.store` should not pay for scikit-learn."""
    if name in __all__:
        from . import engine

        return getattr(engine, name)
    raise AttributeError(name)
