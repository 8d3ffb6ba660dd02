"""A fitted matcher kept on disk: read back it answers exactly as the fitted one; a changed catalog or a
damaged folder is fitted again, never served a stale model."""
import json
import logging

import numpy as np
import pytest

from matcher import model_files
from matcher.engine import PracticeMatcher

QUERIES = [
    "youth unemployment and radicalisation in poor neighbourhoods",
    "le décrochage scolaire et la violence à l'école",
    "خطاب الكراهية على الإنترنت ضد المهاجرين",
]


@pytest.fixture()
def saved(tmp_path, shipped):
    fitted = model_files.fitted_matcher(PracticeMatcher(shipped.taxonomy), shipped.active_practices, shipped.cities, tmp_path)
    return tmp_path, fitted


def test_a_kept_model_answers_exactly_as_the_fitted_one(saved, shipped):
    folder, fitted = saved
    (model,) = [p for p in folder.iterdir() if p.is_dir()]
    assert {p.name for p in model.iterdir()} == {model_files.ARRAYS, model_files.WORDS, model_files.PHRASES}
    loaded = model_files.load(PracticeMatcher(shipped.taxonomy), model, shipped.active_practices, shipped.cities)
    assert abs(loaded.doc_matrix_ - fitted.doc_matrix_).max() == 0
    assert loaded.vocabularies_ == fitted.vocabularies_
    for q in QUERIES:
        a, b = fitted.recommend(q, k=10), loaded.recommend(q, k=10)
        assert [(r.practice_id, r.score, r.top_terms) for r in a.results] == [(r.practice_id, r.score, r.top_terms) for r in b.results]
        assert a.results, q


def test_the_second_call_reads_the_folder_instead_of_fitting(saved, shipped, monkeypatch):
    folder, _ = saved

    def no_fit(self, *a, **k):
        raise AssertionError("fitted again although the catalog did not change")

    monkeypatch.setattr(PracticeMatcher, "fit", no_fit)
    again = model_files.fitted_matcher(PracticeMatcher(shipped.taxonomy), shipped.active_practices, shipped.cities, folder)
    assert again.recommend(QUERIES[0]).results


def test_a_changed_practice_or_setting_gets_another_model(shipped):
    base = PracticeMatcher(shipped.taxonomy)
    key = model_files.model_key(base, shipped.active_practices)
    edited = list(shipped.active_practices)
    edited[0] = edited[0].model_copy(update={"summary": edited[0].summary + " Now also for parents."})
    assert model_files.model_key(base, edited) != key
    assert model_files.model_key(PracticeMatcher(shipped.taxonomy, min_df=2), shipped.active_practices) != key
    assert model_files.model_key(PracticeMatcher(shipped.taxonomy), shipped.active_practices) == key


def test_a_damaged_model_folder_is_fitted_again(saved, shipped, caplog):
    folder, fitted = saved
    (model,) = [p for p in folder.iterdir() if p.is_dir()]
    (model / model_files.ARRAYS).write_bytes(b"not an npz file")
    with caplog.at_level(logging.WARNING):
        again = model_files.fitted_matcher(PracticeMatcher(shipped.taxonomy), shipped.active_practices, shipped.cities, folder)
    assert "fitting again" in caplog.text
    assert abs(again.doc_matrix_ - fitted.doc_matrix_).max() == 0


def test_a_folder_saved_for_other_practices_is_refused(saved, shipped):
    folder, _ = saved
    (model,) = [p for p in folder.iterdir() if p.is_dir()]
    with pytest.raises(ValueError, match="another catalog"):
        model_files.load(PracticeMatcher(shipped.taxonomy), model, shipped.active_practices[1:], shipped.cities)


def test_the_saved_words_are_plain_json_and_arrays_need_no_pickle(saved):
    folder, _ = saved
    (model,) = [p for p in folder.iterdir() if p.is_dir()]
    words = json.loads((model / model_files.WORDS).read_text(encoding="utf-8"))
    assert words["format"] == model_files.MODEL_FORMAT and words["practice_ids"]
    with np.load(model / model_files.ARRAYS, allow_pickle=False) as z:
        assert {"data", "indices", "indptr", "shape"} <= set(z.files)


def test_old_model_folders_are_pruned(tmp_path, shipped):
    for n in range(model_files.KEEP_MODELS + 2):
        practices = list(shipped.active_practices)
        practices[0] = practices[0].model_copy(update={"title": f"{practices[0].title} v{n}"})
        model_files.fitted_matcher(PracticeMatcher(shipped.taxonomy), practices, shipped.cities, tmp_path)
    assert len([p for p in tmp_path.iterdir() if p.is_dir()]) == model_files.KEEP_MODELS
