"""A fitted matcher kept on disk, one folder per catalog content and settings.

Fitting analyses every practice's text (about 1.5 s on the shipped catalog, and it imports
scikit-learn); a CLI command or a new app process on an unchanged catalog reads the result instead.
The folder name is a hash of what the fit depends on (the active practices, the taxonomy, the
matcher's settings and this format), so a changed catalog can never be served a stale model.
Arrays live in `.npz`, vocabularies and words in JSON: no pickle. Each folder is written under a
temporary name and renamed into place, so a reader never sees half a model.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from .engine import PracticeMatcher
from .schema import City, Practice
from .text import PHRASE_MEMO

log = logging.getLogger(__name__)

MODEL_FORMAT = 1  # bump when the saved parts change
MODEL_DIR_ENV = "CPM_MODEL_DIR"
KEEP_MODELS = 4  # folders kept; older catalog versions are removed
ARRAYS, WORDS, PHRASES = "arrays.npz", "words.json", "phrases.json"
# Settings that do not change the fitted parts (they are given again on load).
NOT_IN_KEY = {"taxonomy", "encoder", "vector_dir"}
FIT_CODE = ("engine.py", "text.py", "taxonomy.py", "schema.py")  # the code a fit's result depends on


def default_model_dir() -> Path:
    """$CPM_MODEL_DIR, else var/models beside the data folder."""
    env = os.environ.get(MODEL_DIR_ENV, "").strip()
    return Path(env) if env else Path(__file__).resolve().parent.parent / "var" / "models"


def _settings(matcher: PracticeMatcher) -> dict[str, Any]:
    import inspect

    names = [n for n in inspect.signature(PracticeMatcher.__init__).parameters if n not in ("self", *NOT_IN_KEY)]
    return {n: getattr(matcher, n) for n in names}


def model_key(matcher: PracticeMatcher, practices: Sequence[Practice]) -> str:
    """Hash of everything the fitted TF-IDF parts depend on (the lexicon is used by queries only)."""
    h = hashlib.sha256()
    h.update(json.dumps({"format": MODEL_FORMAT, "settings": _settings(matcher)}, sort_keys=True, default=str).encode())
    for t in matcher.taxonomy.themes:
        h.update(json.dumps([t.id, t.label, t.synonyms, t.groups], sort_keys=True, ensure_ascii=False).encode())
    for module in FIT_CODE:  # a change to how text is analysed must not be served an old model
        h.update((Path(__file__).with_name(module)).read_bytes())
    for p in practices:
        h.update(p.model_dump_json(exclude={"translations"}).encode())  # translations are shown, not matched
    return h.hexdigest()[:24]


def save(matcher: PracticeMatcher, folder: Path) -> None:
    """Write the fitted TF-IDF parts of `matcher` into `folder` (replaced whole, atomically)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
    try:
        m = matcher.doc_matrix_
        fields = list(matcher.vocabularies_)
        np.savez(tmp / ARRAYS, data=m.data, indices=m.indices, indptr=m.indptr, shape=np.array(m.shape),
                 **{f"idf_{i}": matcher.idf_[f] for i, f in enumerate(fields)})
        words = {
            "format": MODEL_FORMAT,
            "fields": fields,
            "terms": [matcher.feature_terms_[f] for f in fields],
            "weights": [matcher.weights_[f] for f in fields],
            "surface": matcher.surface_,
            "practice_ids": [p.id for p in matcher.practices_],
        }
        (tmp / WORDS).write_text(json.dumps(words, ensure_ascii=False), encoding="utf-8")
        # The vocabulary phrases' stems (all languages: `warm_up` ran), so a new process skips that work.
        matcher.warm_up()
        phrases = [[text, lang, flag, list(stems)] for (text, lang, flag), stems in PHRASE_MEMO.items()]
        (tmp / PHRASES).write_text(json.dumps(phrases, ensure_ascii=False), encoding="utf-8")
        os.chmod(tmp, 0o755)
        try:
            os.replace(tmp, folder)
        except OSError:  # another process wrote the same model first: theirs is identical
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def load(matcher: PracticeMatcher, folder: Path, practices: Sequence[Practice], cities: Sequence[City]) -> PracticeMatcher:
    """Set the fitted attributes of an unfitted `matcher` from `folder`; raises ValueError if it does not fit."""
    words = json.loads((folder / WORDS).read_text(encoding="utf-8"))
    if words.get("format") != MODEL_FORMAT or words.get("practice_ids") != [p.id for p in practices]:
        raise ValueError(f"{folder} was saved for another catalog or format")
    fields = words["fields"]
    with np.load(folder / ARRAYS, allow_pickle=False) as z:
        matrix = sp.csc_matrix((z["data"], z["indices"], z["indptr"]), shape=tuple(int(x) for x in z["shape"]))
        idf = {f: z[f"idf_{i}"] for i, f in enumerate(fields)}
    vocabularies = {f: {t: j for j, t in enumerate(terms)} for f, terms in zip(fields, words["terms"])}
    if (folder / PHRASES).exists():
        for text, lang, flag, stems in json.loads((folder / PHRASES).read_text(encoding="utf-8")):
            PHRASE_MEMO.setdefault((text, lang, bool(flag)), tuple(stems))
    matcher._validate_params()
    matcher._set_fitted(matrix, vocabularies, idf, dict(zip(fields, words["weights"])), words["surface"], practices, cities)
    return matcher


def fitted_matcher(matcher: PracticeMatcher, practices: Sequence[Practice], cities: Sequence[City] = (),
                   directory: Path | None = None) -> PracticeMatcher:
    """`matcher` fitted on `practices`: read from disk when this catalog was fitted before, else fitted and kept.
    A model folder that cannot be read or written costs time, never correctness: the matcher is fitted."""
    practices = [p if isinstance(p, Practice) else Practice.model_validate(p) for p in practices]
    directory = directory or default_model_dir()
    folder = directory / model_key(matcher, practices)
    if (folder / WORDS).exists():
        try:
            return load(matcher, folder, practices, cities)
        except (OSError, ValueError, KeyError) as exc:
            log.warning("could not read the kept model in %s (%s); fitting again", folder, exc)
    matcher.fit(practices, cities)
    try:
        save(matcher, folder)
        _prune(directory, keep=folder)
    except OSError as exc:
        log.warning("could not keep the fitted model in %s: %s", directory, exc)
    return matcher


def _prune(directory: Path, keep: Path) -> None:
    """Remove the oldest model folders beyond KEEP_MODELS (never `keep`)."""
    folders = sorted((p for p in directory.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime, reverse=True)
    for old in [p for p in folders if p != keep][KEEP_MODELS - 1:]:
        shutil.rmtree(old, ignore_errors=True)


__all__ = ["MODEL_DIR_ENV", "MODEL_FORMAT", "default_model_dir", "fitted_matcher", "load", "model_key", "save"]
