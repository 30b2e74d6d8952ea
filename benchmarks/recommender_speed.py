"""Speed and memory of the related-articles index on synthetic corpora.

    python -m benchmarks.recommender_speed [--sizes 1000,10000,100000] [--quick]

Each size runs in its own subprocess, so the reported peak memory (ru_maxrss) belongs to that size alone.
Up to 10,000 articles the fit and plain scikit-learn ``TfidfVectorizer`` on the same text run three times
each, alternately, and the medians are compared; the fit is also timed without its latent-semantic space,
a fixed cost of at most 1,000 rows. Corpora are seeded and Zipf-distributed: the most frequent ranks are
real English stop words (removed by the analyser, as in real prose), the rest made-up content words;
articles have 300-1,000 words.
"""

from __future__ import annotations

import argparse
import functools
import json
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from recommender.document import Document
from recommender.index import RelatedIndex
from recommender.topk import chunked_top_k

T = TypeVar("T")

VOCABULARY = 50_000
ZIPF_EXPONENT = 1.05
TOP_K = 20
PAIRS_SAMPLE = 2_000  # above FULL_PAIRS_MAX docs, all-pairs is timed on this many rows
FULL_PAIRS_MAX = 20_000
ADDS = 200
#: up to FIT_ROUNDS_MAX documents, the fit and its plain baseline run FIT_ROUNDS times, alternately, and the
#: medians are reported: one run of under a second moves by a fifth with whatever else the machine does
FIT_ROUNDS = 3
FIT_ROUNDS_MAX = 10_000


@functools.lru_cache(maxsize=1)
def vocabulary() -> np.ndarray:
    """English stop words first (the most frequent ranks), then made-up words."""
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    rng = np.random.default_rng(0)
    syllables = [c + v for c in "bcdfghklmnprstvz" for v in "aeiou"]
    picks = rng.integers(0, len(syllables), (2 * VOCABULARY, 4))
    lengths = rng.integers(2, 5, 2 * VOCABULARY)
    words = dict.fromkeys("".join(syllables[j] for j in row[:n]) for row, n in zip(picks, lengths, strict=True))
    return np.array(sorted(ENGLISH_STOP_WORDS) + list(words)[:VOCABULARY])


def corpus(n: int, seed: int, start_id: int = 0) -> list[Document]:
    rng = np.random.default_rng(seed)
    words = vocabulary()  # the same words for every corpus
    p = 1.0 / np.arange(1, len(words) + 1) ** ZIPF_EXPONENT
    cdf = np.cumsum(p / p.sum())
    word_list = words.tolist()
    tags = [f"tag {w}" for w in word_list[318:2318]]
    cats = [f"category {w}" for w in word_list[318:362]]
    docs = []
    for i in range(n):
        picks = np.searchsorted(cdf, rng.random(rng.integers(300, 1001)), side="right")
        body = [word_list[j] for j in np.minimum(picks, len(word_list) - 1)]
        docs.append(
            Document(
                id=start_id + i,
                title=" ".join(body[j] for j in rng.integers(0, len(body), 6)),
                body=" ".join(body),
                tags=tuple(tags[j] for j in rng.choice(len(tags), rng.integers(1, 4), replace=False)),
                categories=tuple(cats[j] for j in rng.choice(len(cats), rng.integers(1, 3), replace=False)),
            )
        )
    return docs


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def timed(fn: Callable[..., T], *args: Any) -> tuple[T, float]:
    """``fn(*args)`` and the seconds it took.

    Pass values as ``args`` rather than capturing them in a lambda when the caller ``del``s them afterwards:
    a closure over a deleted name only works while it is called before the ``del``.
    """
    t0 = time.perf_counter()
    out = fn(*args)
    return out, time.perf_counter() - t0


def peak_rss_since_reset_mb() -> float | None:
    """The process's peak resident memory since :func:`reset_peak_rss` (Linux ``VmHWM``), in MB."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Start a new peak-memory measurement (Linux: writing 5 to ``clear_refs`` resets ``VmHWM``)."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def bench_pairs(index: RelatedIndex) -> dict:
    """The shipped all-pairs top-20 on every row (pruned from PRUNE_FROM documents), with its peak memory;
    the exact full product on the same rows (a sample above FULL_PAIRS_MAX, extrapolated), and how many of
    the exact neighbours the shipped lists hold."""
    x, n = index.main_, index.main_.shape[0]
    measured = reset_peak_rss()
    c0 = time.process_time()
    ours, t_ours = timed(lambda: index.all_pairs_topk(TOP_K))
    cpu_ours = time.process_time() - c0
    peak = peak_rss_since_reset_mb() if measured else None
    rows = n if n <= FULL_PAIRS_MAX else PAIRS_SAMPLE
    c0 = time.process_time()
    (exact_cols, exact_vals), t_exact = timed(lambda: chunked_top_k(x[:rows], index.main_t_, TOP_K, 160, True))
    cpu_exact = time.process_time() - c0
    ours_rows = ours.neighbours[:rows]
    exact_ids = np.where(exact_cols >= 0, index.ids_[np.maximum(exact_cols, 0)], -1)
    recall = np.mean(
        [
            len(set(e[e >= 0]) & set(o[o >= 0])) / max(1, int((e >= 0).sum()))
            for e, o in zip(exact_ids, ours_rows, strict=True)
        ]
    )
    return {
        "pairs_pruned": index._pair_product_columns() is not None,
        "pairs_ours_s": t_ours,
        "pairs_ours_cpu_s": cpu_ours,
        "pairs_peak_rss_mb": peak,
        "pairs_exact_rows": rows,
        "pairs_exact_s": t_exact * n / rows,
        "pairs_exact_cpu_s": cpu_exact * n / rows,
        "pairs_recall": float(recall),
        "pairs_kth_score_max_diff": float(np.abs(exact_vals[:, -1] - ours.scores[:rows, -1]).max()),
    }


def bench_plain_fit(docs: list[Document]) -> dict:
    """scikit-learn's plain ``TfidfVectorizer().fit_transform`` on the same documents' text (the baseline)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = [" ".join((d.title, d.summary, d.body)) for d in docs]
    c0 = time.process_time()
    _, t_plain = timed(lambda: TfidfVectorizer().fit_transform(texts))
    return {"plain_fit_s": t_plain, "plain_fit_cpu_s": time.process_time() - c0}


def bench_adds(index: RelatedIndex, fit_s: float, n: int, adds: int = ADDS) -> dict:
    """Add one article, compute its similarity row and whose top-20 it enters."""
    kth = np.full(n + adds, 0.05, dtype=np.float32)  # each list's 20th score (stand-in)
    docs = corpus(adds, seed=99, start_id=n)
    times, cpu = [], []
    for doc in docs:
        t0, c0 = time.perf_counter(), time.process_time()
        index.add(doc)
        ids, scores = index.similarities(doc.id)
        enters = ids[scores > kth[ids]]
        top = np.argpartition(-scores, TOP_K)[:TOP_K]
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    ms, cpu_ms = np.array(times) * 1000, np.array(cpu) * 1000
    p99 = float(np.percentile(ms, 99))
    return {
        "add_p50_ms": float(np.percentile(ms, 50)),
        "add_p99_ms": p99,
        "add_cpu_p50_ms": float(np.percentile(cpu_ms, 50)),
        "add_cpu_p99_ms": float(np.percentile(cpu_ms, 99)),
        "add_max_ms": float(ms.max()),
        "refit_over_add_p99": fit_s * 1000 / p99,
        "enters_last": int(len(enters)),
        "top_last": int(len(top)),
    }


def bench_digest(index: RelatedIndex, profiles: int = 100_000, articles: int = 1_000) -> dict:
    rng = np.random.default_rng(5)
    words = vocabulary()[318:3000]
    topics = [list(rng.choice(words, rng.integers(1, 6))) for _ in range(profiles)]
    q, t_q = timed(lambda: index.query_vectors(topics))
    cands = index.ids_[:articles]
    _, t_rank = timed(lambda: index.rank_many(q, cands, k=10))
    return {
        "digest_profiles": profiles,
        "digest_articles": len(cands),
        "digest_vectorise_s": t_q,
        "digest_rank_many_s": t_rank,
    }


def progress(result: dict) -> None:
    """The figures so far, on stderr (a long size can be followed, or read when it is stopped)."""
    print(json.dumps(result), file=sys.stderr, flush=True)


def run_size(n: int, adds: int = ADDS, pairs: bool = True) -> dict:
    docs, t_gen = timed(lambda: corpus(n, seed=n))
    rss_before = peak_rss_mb()
    plains, fits = [], []
    index: RelatedIndex | None = None
    for _ in range(FIT_ROUNDS if n <= FIT_ROUNDS_MAX else 1):
        plains.append(bench_plain_fit(docs))
        index = None  # one index alive at a time, so the peak memory is one fit's
        c0 = time.process_time()
        index, t_fit = timed(lambda corpus_docs: RelatedIndex().fit(corpus_docs), docs)
        fit = {"fit_s": t_fit, "fit_cpu_s": time.process_time() - c0}
        if n <= FIT_ROUNDS_MAX:
            _, fit["fit_no_latent_s"] = timed(
                lambda corpus_docs: RelatedIndex(latent_components=0).fit(corpus_docs), docs
            )
        fits.append(fit)
    assert index is not None
    result = {
        "n": n,
        "generate_s": t_gen,
        "fit_rounds": len(fits),
        **{key: statistics.median(run[key] for run in fits) for key in fits[0]},
        **{key: statistics.median(run[key] for run in plains) for key in plains[0]},
        "rss_after_corpus_mb": rss_before,
        "peak_rss_fit_mb": peak_rss_mb(),
        "nnz": int(index.main_.nnz),
        "features": int(index.n_features_),
    }
    del docs
    progress(result)
    if pairs:
        result.update(bench_pairs(index))
        progress(result)
    result.update(bench_adds(index, result["fit_s"], n, adds))
    progress(result)
    result["adds"] = adds
    if pairs and n >= 10_000:
        result.update(bench_digest(index))
    return result


def report(r: dict) -> str:
    lines = [
        f"== {r['n']:,} articles ({r['features']:,} features, {r['nnz']:,} non-zeros)",
        f"  fit            {r['fit_s']:8.2f} s   peak RSS {r['peak_rss_fit_mb']:,.0f} MB "
        f"(corpus alone {r['rss_after_corpus_mb']:,.0f} MB)",
    ]
    lines.append(
        f"  plain TfidfVectorizer on the same text: {r['plain_fit_s']:.2f} s; fit / plain = "
        f"{r['fit_s'] / r['plain_fit_s']:.2f}x (CPU time: {r['fit_cpu_s']:.2f} s / {r['plain_fit_cpu_s']:.2f} s = "
        f"{r['fit_cpu_s'] / r['plain_fit_cpu_s']:.2f}x)"
        + (f"; medians of {r['fit_rounds']} alternate runs" if r["fit_rounds"] > 1 else "")
    )
    if "fit_no_latent_s" in r:
        lines.append(
            f"    the same fit without its latent-semantic space (latent_components=0): {r['fit_no_latent_s']:.2f} s, "
            f"{r['fit_no_latent_s'] / r['plain_fit_s']:.2f}x plain"
        )
    if "pairs_ours_s" in r:
        peak = f"{r['pairs_peak_rss_mb']:,.0f} MB" if r["pairs_peak_rss_mb"] is not None else "n/a"
        how = "pruned product + exact rescoring" if r["pairs_pruned"] else "exact full product"
        lines.append(
            f"  all-pairs top-{TOP_K}, every row ({how}): {r['pairs_ours_s']:.1f} s "
            f"(CPU {r['pairs_ours_cpu_s']:.1f} s), peak RSS during it {peak}"
        )
        rows = r["pairs_exact_rows"]
        sample = "" if rows == r["n"] else f", timed on {rows:,} rows and extrapolated"
        lines.append(
            f"    exact full product{sample}: {r['pairs_exact_s']:.1f} s (CPU {r['pairs_exact_cpu_s']:.1f} s); "
            f"shipped / exact = {r['pairs_ours_s'] / r['pairs_exact_s']:.2f}x; "
            f"exact neighbours kept {r['pairs_recall']:.4f}, "
            f"20th-score max difference {r['pairs_kth_score_max_diff']:.2e}"
        )
    lines.append(
        f"  add + similarity row + lists entered ({r['adds']} adds): p50 {r['add_p50_ms']:.1f} ms, "
        f"p99 {r['add_p99_ms']:.1f} ms, max {r['add_max_ms']:.1f} ms; "
        f"refit / p99 = {r['refit_over_add_p99']:,.0f}x\n"
        f"    CPU time of the same: p50 {r['add_cpu_p50_ms']:.1f} ms, "
        f"p99 {r['add_cpu_p99_ms']:.1f} ms"
    )
    if "digest_rank_many_s" in r:
        lines.append(
            f"  digests: {r['digest_profiles']:,} profiles x {r['digest_articles']:,} articles: "
            f"vectorise {r['digest_vectorise_s']:.2f} s, rank_many top-10 "
            f"{r['digest_rank_many_s']:.2f} s"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 only")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--no-pairs", action="store_true", help="skip the all-pairs and digest timings (adds and fit only)"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_size(args.child, pairs=not args.no_pairs)))
        return 0
    sizes = [1000, 10_000] if args.quick else [int(s) for s in args.sizes.split(",")]
    for n in sizes:
        proc = subprocess.run(
            [sys.executable, "-m", "benchmarks.recommender_speed", "--child", str(n)]
            + (["--no-pairs"] if args.no_pairs else []),
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        print(json.dumps(result) if args.json else report(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
