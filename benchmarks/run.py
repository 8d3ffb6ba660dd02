"""Benchmark runner: this matcher vs plain TfidfVectorizer, bm25s and rank_bm25, in one run.

    python benchmarks/run.py            # 1k, 10k, 100k practices; writes RESULTS.md and scaling.png
    python benchmarks/run.py --quick    # 1k only, fewer queries: a smoke check (< 60 s)

Each (system, size) runs in its own process on one core, so peak RSS is its own. Timings are wall
clock on this machine; they are reported, never asserted.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import pickle
import platform
import resource
import statistics
import sys
import time
from pathlib import Path

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(var, "1")  # one core, as the targets say

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

# matcher: the full recommend() (language id, stemming, themes, per-challenge scoring, explanations);
# matcher-score: the same fitted model's scoring only, to compare like with like against BM25.
# matcher / matcher-score: the words-and-themes signal alone (encoder off), as before the meaning signal.
# meaning: the meaning signal alone; fused: the shipped matcher (words + meaning), full recommend().
# Practice vectors at 10k and 100k are stored vectors (random unit vectors standing in for encoded ones:
# encoding 100k texts is a one-off, measured on a sample as `encode_per_s`); queries are really encoded.
SYSTEMS = ("matcher", "matcher-score", "meaning", "fused", "tfidf", "bm25s", "rank_bm25")
ENCODE_SAMPLE = 200  # practices encoded for real to measure encoding throughput
RANK_BM25_MAX = 10_000  # pure-Python scoring of every document per query: skipped above this size


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def _percentiles(xs: list[float]) -> tuple[float, float]:
    xs = sorted(xs)
    return xs[len(xs) // 2] * 1e3, xs[min(len(xs) - 1, int(len(xs) * 0.95))] * 1e3


def measure(system: str, n: int, n_single: int, n_batch: int) -> dict:
    """Runs in a child process: build, single-query latency, batch throughput, memory, index size."""
    import numpy as np

    from benchmarks.synth import generate
    from matcher.evaluate import practice_text

    practices, cities, intakes, queries, tax = generate(n)
    tax.index_for("en"), tax.index_for("fr")
    base_rss = _current_rss_mb()
    texts = [practice_text(p) for p in practices]
    single, batch = queries[:n_single], queries[:n_batch]
    extra: dict = {}
    if system in ("meaning", "fused"):
        from matcher.engine import PracticeMatcher, meaning_text
        from matcher.meaning import UseEncoder

        real = UseEncoder()
        t0 = time.perf_counter()
        real.encode([meaning_text(p) for p in practices[:ENCODE_SAMPLE]])
        extra["encode_per_s"] = round(ENCODE_SAMPLE / (time.perf_counter() - t0), 1)
        stored = StoredVectors(real, n)
        t0 = time.perf_counter()
        weights = {"words": 0.0, "meaning": 1.0} if system == "meaning" else None
        model = PracticeMatcher(tax, encoder=stored, vector_dir=None, signal_weights=weights).fit(practices, cities)
        build = time.perf_counter() - t0
        run_one = lambda q: model.recommend(q, k=10)  # noqa: E731
        run_batch = lambda qs: [run_one(q) for q in qs]  # noqa: E731
        index_bytes = model.practice_vectors_.nbytes + (len(pickle.dumps((model.vocabularies_, model.doc_matrix_), protocol=5)) if system == "fused" else 0)
    elif system in ("matcher", "matcher-score"):
        from matcher.engine import PracticeMatcher

        t0 = time.perf_counter()
        model = PracticeMatcher(tax, encoder=None).fit(practices, cities)
        build = time.perf_counter() - t0
        if system == "matcher":
            run_one = lambda q: model.recommend(q, k=10)  # noqa: E731
        else:
            run_one = lambda q: model._top_k(model.score(q), 10)  # noqa: E731
        run_batch = lambda qs: [run_one(q) for q in qs]  # noqa: E731
        index_bytes = len(pickle.dumps((model.vocabularies_, model.doc_matrix_), protocol=5))
    elif system == "tfidf":
        from sklearn.feature_extraction.text import TfidfVectorizer

        t0 = time.perf_counter()
        vec = TfidfVectorizer()
        X = vec.fit_transform(texts)
        build = time.perf_counter() - t0

        def run_one(q):
            s = (X @ vec.transform([q]).T).toarray().ravel()
            top = np.argpartition(-s, 10)[:10]
            return top[np.argsort(-s[top])]

        def run_batch(qs):
            S = (X @ vec.transform(qs).T).toarray()
            return np.argpartition(-S, 10, axis=0)[:10]

        index_bytes = len(pickle.dumps((vec, X), protocol=5))
    elif system == "bm25s":
        import bm25s

        t0 = time.perf_counter()
        retriever = bm25s.BM25()
        retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
        build = time.perf_counter() - t0
        run_one = lambda q: retriever.retrieve(bm25s.tokenize([q], stopwords="en", show_progress=False), k=10, show_progress=False)  # noqa: E731
        run_batch = lambda qs: retriever.retrieve(bm25s.tokenize(qs, stopwords="en", show_progress=False), k=10, show_progress=False, n_threads=1)  # noqa: E731
        index_bytes = len(pickle.dumps(retriever, protocol=5))
    elif system == "rank_bm25":
        from rank_bm25 import BM25Okapi

        tok = lambda s: s.lower().split()  # noqa: E731
        t0 = time.perf_counter()
        bm = BM25Okapi([tok(t) for t in texts])
        build = time.perf_counter() - t0

        def run_one(q):
            s = bm.get_scores(tok(q))
            return np.argsort(-s)[:10]

        run_batch = lambda qs: [run_one(q) for q in qs]  # noqa: E731
        index_bytes = len(pickle.dumps(bm, protocol=5))
    else:
        raise ValueError(system)
    run_one(single[0])  # warm-up
    lat = []
    for q in single:
        t0 = time.perf_counter()
        run_one(q)
        lat.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    run_batch(batch)
    batch_s = time.perf_counter() - t0
    p50, p95 = _percentiles(lat)
    return {
        "system": system, "n": n, "build_s": round(build, 3), "p50_ms": round(p50, 3), "p95_ms": round(p95, 3),
        "batch_qps": round(len(batch) / batch_s, 1), "peak_rss_mb": round(_rss_mb(), 1), "data_rss_mb": round(base_rss, 1),
        "index_mb": round(index_bytes / 1e6, 2), "queries": len(single), **extra,
    }


class StoredVectors:
    """Practice vectors as if read from the vector store (random unit vectors); queries encoded for real."""

    def __init__(self, real, n: int):
        import numpy as np

        self.version, self.real, self.n = "bench-stored", real, n
        rng = np.random.default_rng(0)
        x = rng.normal(size=(n, 512)).astype(np.float32)
        self.catalog = x / np.linalg.norm(x, axis=1, keepdims=True)

    def encode(self, texts):
        return self.catalog if len(texts) == self.n else self.real.encode(texts)


def measure_twinning(n_practices: int) -> dict:
    from benchmarks.synth import generate
    from matcher.catalog import Catalog
    from matcher.engine import PracticeMatcher
    from matcher.twinning import Twinning

    practices, cities, intakes, _, tax = generate(n_practices)
    model = PracticeMatcher(tax, encoder=None).fit(practices, cities)
    catalog = Catalog(tuple(practices), tuple(cities), tuple(intakes), 1, tax)
    t0 = time.perf_counter()
    tw = Twinning(catalog, model)
    build = time.perf_counter() - t0
    asker = intakes[0].city
    lat = []
    for _ in range(20):
        t0 = time.perf_counter()
        tw.partners(city=asker, k=5)
        lat.append(time.perf_counter() - t0)
    t0 = time.perf_counter()
    result = tw.pairs()
    pairs_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    tw.pairs(mentor_capacity=3)
    mentor_s = time.perf_counter() - t0
    return {
        "cities": len(cities), "profiles_build_s": round(build, 2), "partners_p50_ms": round(statistics.median(lat) * 1e3, 2),
        "pairs_s": round(pairs_s, 2), "pairs_total_s": round(build + pairs_s, 2), "mentor_pairs_s": round(mentor_s, 2),
        "optimal_weight": result["total_weight"], "greedy_weight": result["greedy_weight"],
    }


def _child(conn, fn, args):
    try:
        conn.send(("ok", fn(*args)))
    except BaseException as exc:  # noqa: BLE001 - report, never hang the runner
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    conn.close()


def isolated(fn, *args):
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn, args))
    proc.start()
    status, value = parent.recv()
    proc.join()
    if status != "ok":
        raise RuntimeError(value)
    return value


def machine_info() -> dict:
    import bm25s
    import numpy
    import scipy
    import sklearn

    cpu = platform.processor()
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        mem = f"{int(open('/proc/meminfo').readline().split()[1]) / 1e6:.0f} GB"
    except (OSError, ValueError, IndexError):
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory": mem, "python": platform.python_version(), "numpy": numpy.__version__,
            "scipy": scipy.__version__, "scikit-learn": sklearn.__version__, "bm25s": bm25s.__version__, "platform": platform.platform()}


def write_results(out: Path, rows: list[dict], twin: list[dict], info: dict, skipped: list[str], sizes: list[int]) -> None:
    by = {(r["system"], r["n"]): r for r in rows}
    lines = ["# Benchmark results", "", f"Generated by `python benchmarks/run.py{' --quick' if sizes == [1000] else ''}` on {time.strftime('%Y-%m-%d')}.", ""]
    lines += ["Machine: " + ", ".join(f"{k} {v}" for k, v in info.items()), "", "One core (BLAS/OpenMP threads = 1); each system and size in its own process.", ""]
    lines += ["## Retrieval", "", "| system | practices | build s | p50 ms | p95 ms | batch q/s | peak RSS MB | index MB | p50 vs bm25s | build vs bm25s |", "|---|---|---|---|---|---|---|---|---|---|"]
    for n in sizes:
        ref = by.get(("bm25s", n))
        for s in SYSTEMS:
            r = by.get((s, n))
            if not r:
                continue
            ratio = f"{r['p50_ms'] / ref['p50_ms']:.2f}x" if ref and ref["p50_ms"] else "-"
            bratio = f"{r['build_s'] / ref['build_s']:.1f}x" if ref and ref["build_s"] else "-"
            lines.append(f"| {s} | {n:,} | {r['build_s']} | {r['p50_ms']} | {r['p95_ms']} | {r['batch_qps']} | {r['peak_rss_mb']} | {r['index_mb']} | {ratio} | {bratio} |")
    if skipped:
        lines += ["", "Skipped: " + "; ".join(skipped)]
    lines += ["", "## Twinning", "", "| cities | profile build s | partners p50 ms | pairs s | profiles + pairs s | mentor pairs s | optimal weight | greedy weight |", "|---|---|---|---|---|---|---|---|"]
    for t in twin:
        lines.append(f"| {t['cities']:,} | {t['profiles_build_s']} | {t['partners_p50_ms']} | {t['pairs_s']} | {t['pairs_total_s']} | {t['mentor_pairs_s']} | {t['optimal_weight']} | {t['greedy_weight']} |")
    targets = _targets(by, twin, sizes)
    if targets:
        lines += ["", "## Targets (100k practices, one core)", "", "| target | measured | holds |", "|---|---|---|"] + targets
    lines += ["", "![latency and memory against catalog size](scaling.png)", ""]
    notes = HERE / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text(encoding="utf-8")]
    (out / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "results.json").write_text(json.dumps({"machine": info, "retrieval": rows, "twinning": twin, "skipped": skipped}, indent=2) + "\n", encoding="utf-8")


def _targets(by, twin, sizes) -> list[str]:
    n = max(sizes)
    if n < 100_000:
        return []
    m, b = by.get(("matcher", n)), by.get(("bm25s", n))
    out = []
    if m:
        out.append(f"| p50 query <= 30 ms | {m['p50_ms']} ms | {'yes' if m['p50_ms'] <= 30 else 'no'} |")
        out.append(f"| build <= 60 s | {m['build_s']} s | {'yes' if m['build_s'] <= 60 else 'no'} |")
        out.append(f"| peak RSS <= 1.5 GB | {m['peak_rss_mb']} MB | {'yes' if m['peak_rss_mb'] <= 1500 else 'no'} |")
        if b:
            out.append(f"| p50 within 2x of bm25s | {m['p50_ms'] / b['p50_ms']:.2f}x | {'yes' if m['p50_ms'] <= 2 * b['p50_ms'] else 'no'} |")
    big = [t for t in twin if t["cities"] >= 1000]
    if big:
        out.append(f"| pairs for 1,000 cities <= 30 s | {big[0]['pairs_total_s']} s (profiles + matching) | {'yes' if big[0]['pairs_total_s'] <= 30 else 'no'} |")
    return out


def plot(out: Path, rows: list[dict], sizes: list[int]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for s in SYSTEMS:
        pts = sorted((r["n"], r["p50_ms"], r["peak_rss_mb"]) for r in rows if r["system"] == s)
        if pts:
            ax1.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=s)
            ax2.plot([p[0] for p in pts], [p[2] for p in pts], marker="o", label=s)
    for ax, title, unit in ((ax1, "query latency p50", "ms"), (ax2, "peak RSS", "MB")):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("practices")
        ax.set_ylabel(unit)
        ax.set_title(title)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend()
    fig.tight_layout()
    fig.savefig(out / "scaling.png", dpi=110)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="1k practices, 50 queries: a smoke check")
    ap.add_argument("--output", default=str(HERE), help="folder for RESULTS.md, results.json and scaling.png")
    args = ap.parse_args(argv)
    out = Path(args.output)
    out.mkdir(parents=True, exist_ok=True)
    sizes = [1000] if args.quick else [1000, 10_000, 100_000]
    n_single, n_batch = (50, 100) if args.quick else (200, 1000)
    rows, skipped = [], []
    started = time.time()
    for n in sizes:
        for s in SYSTEMS:
            if s == "rank_bm25" and n > RANK_BM25_MAX:
                skipped.append(f"rank_bm25 at {n:,} practices (pure-Python scoring of every document per query; measured up to {RANK_BM25_MAX:,})")
                continue
            r = isolated(measure, s, n, n_single, n_batch)
            rows.append(r)
            print(json.dumps(r), flush=True)
    twin = []
    for n in ([1000] if args.quick else [1000, 10_000]):
        t = isolated(measure_twinning, n)
        twin.append(t)
        print(json.dumps(t), flush=True)
    info = machine_info()
    write_results(out, rows, twin, info, skipped, sizes)
    plot(out, rows, sizes)
    print(f"wrote {out / 'RESULTS.md'} and {out / 'scaling.png'} in {time.time() - started:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
