"""A small French/Arabic -> English lexicon: a statement's own words can meet English practice text,
not only through the theme layer. Keys may be short phrases; they match like theme phrases do."""
from __future__ import annotations

from functools import cached_property
from pathlib import Path

import yaml

# libyaml's safe loader when PyYAML was built with it (8x faster on the taxonomy), else the pure-Python one.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

from .text import analyse_phrase, french_verb_variants, is_arabic

YAML_CACHE_ENV = "CPM_CACHE_DIR"


def load_yaml(path: str | Path):
    """A YAML file's content, parsed once per content: a JSON copy is kept in var/cache/ ($CPM_CACHE_DIR), keyed by
    the file's hash. PyYAML builds objects in pure Python (about 0.2 s for the taxonomy and lexicon, a sixth of a
    one-shot command); reading the JSON copy takes milliseconds. A cache that cannot be written costs time only."""
    import hashlib
    import json
    import os
    import tempfile

    data = Path(path).read_bytes()
    env = os.environ.get(YAML_CACHE_ENV, "").strip()
    folder = Path(env) if env else Path(__file__).resolve().parent.parent / "var" / "cache"
    cached = folder / f"{Path(path).stem}-{hashlib.sha256(data).hexdigest()[:20]}.json"
    try:
        return json.loads(cached.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    obj = yaml.load(data.decode("utf-8"), Loader=SAFE_LOADER)
    try:
        text = json.dumps(obj, ensure_ascii=False)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, cached)
    except (OSError, TypeError, ValueError):  # read-only disk, or a value JSON cannot hold: parse each time
        pass
    return obj


class Lexicon:
    def __init__(self, entries: dict[str, dict[str, list[str]]]):
        self.entries = entries

    @classmethod
    def load(cls, path: str | Path) -> "Lexicon":
        raw = load_yaml(path) or {}
        entries = {lang: {str(k): [str(v) for v in (vals or [])] for k, vals in (raw.get(lang) or {}).items()} for lang in ("fr", "ar")}
        return cls(entries)

    @cached_property
    def _index(self) -> dict[str, dict[str, list[tuple[tuple[str, ...], list[str]]]]]:
        """source language -> first stem -> [(key stems, English stems)]."""
        out: dict[str, dict[str, list[tuple[tuple[str, ...], list[str]]]]] = {}
        for lang, entries in self.entries.items():
            idx = out.setdefault(lang, {})
            for key, values in entries.items():
                english = [s for v in values for s in analyse_phrase(v, "en")]
                forms = [key] + (french_verb_variants(key) if lang == "fr" else [])
                seqs = dict.fromkeys(tuple(analyse_phrase(f, "ar" if is_arabic(f) else lang, phrases=True)) for f in forms)
                for seq in seqs:
                    if seq and english:
                        idx.setdefault(seq[0], []).append((seq, english))
        return out

    def translate(self, phrase_tokens: list[str], lang: str) -> list[str]:
        """English stems for the source-language phrases found in a statement's (phrase) tokens."""
        return [eng for eng, _ in self.translate_with_source(phrase_tokens, lang)]

    def translate_with_source(self, phrase_tokens: list[str], lang: str) -> list[tuple[str, tuple[str, ...]]]:
        """(English stem, the source stems it came from) for each phrase found, in statement order."""
        idx = self._index.get(lang)
        if not idx:
            return []
        out: list[tuple[str, tuple[str, ...]]] = []
        for i, tok in enumerate(phrase_tokens):
            for seq, english in idx.get(tok, ()):
                if tuple(phrase_tokens[i : i + len(seq)]) == seq:
                    out.extend((e, seq) for e in english)
        return out
