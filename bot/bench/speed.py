"""Latency, build time and memory of explain at the bank's size and at synthetic scales."""

from __future__ import annotations

import gc
import os
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.ann_index import KINDS, build_ann, memory_mapped
from bot.bench.synthetic import synthetic_bank
from bot.core.index import ExactIndex, ItemVectors, VectorIndex
from bot.core.model import Item
from bot.core.ports import Embedder, Vectors
from bot.core.retrieval import EXACT_ROWS, NEIGHBOURS, Retriever


def percentiles(samples_ms: Sequence[float]) -> dict[str, float]:
    """p50, p95 and p99 of a list of milliseconds."""
    values = np.asarray(samples_ms, dtype=np.float64)
    if not len(values):
        return {"p50": float("nan"), "p95": float("nan"), "p99": float("nan")}
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {"p50": float(p50), "p95": float(p95), "p99": float(p99)}


def resident_mb() -> dict[str, float]:
    """Current and peak resident memory of this process, in MB (Linux /proc, else rusage)."""
    try:
        fields = dict(
            line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines()
        )
        return {
            "rss_mb": int(fields["VmRSS"].split()[0]) / 1024,
            "peak_mb": int(fields["VmHWM"].split()[0]) / 1024,
        }
    except (OSError, KeyError, ValueError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return {"rss_mb": float("nan"), "peak_mb": peak}


def explain_latency(
    retriever: Retriever, embedder: Embedder, asks: Sequence[str], rounds: int = 2
) -> dict[str, Any]:
    """Explain and bare query-encode latency over ``asks``, interleaved so load hits both."""
    explain: list[float] = []
    encode: list[float] = []
    retriever.search(asks[0])  # first-call warm-up (rapidfuzz, numpy paths)
    for _ in range(rounds):
        for ask in asks:
            start = time.perf_counter()
            embedder.encode([ask])
            encode.append(1000 * (time.perf_counter() - start))
            start = time.perf_counter()
            retriever.search(ask, 3)
            explain.append(1000 * (time.perf_counter() - start))
    out: dict[str, Any] = {"explain_ms": percentiles(explain), "encode_ms": percentiles(encode)}
    out["ratio_p50"] = out["explain_ms"]["p50"] / out["encode_ms"]["p50"]
    return out


def compare_ann(vectors: Vectors, queries: Vectors, k: int = NEIGHBOURS) -> dict[str, Any]:
    """Build time, query latency and recall@k (against exact search) of each ANN library."""
    exact = ExactIndex(vectors)
    truth = [set(exact.search(q, k)[0].tolist()) for q in queries]
    results: dict[str, Any] = {}
    for kind in KINDS:
        try:
            start = time.perf_counter()
            index = build_ann(vectors, kind)
            built = time.perf_counter() - start
        except ImportError as exc:
            results[kind] = {"error": f"{exc}: install the comparison with `pip install '.[ann]'`"}
            continue
        times, hits = [], 0
        for query, expected in zip(queries, truth, strict=True):
            start = time.perf_counter()
            rows, _ = index.search(query, k)
            times.append(1000 * (time.perf_counter() - start))
            hits += len(expected & set(rows.tolist()))
        results[kind] = {
            "build_s": built,
            "query_ms_p50": statistics.median(times),
            f"recall_at_{k}": hits / (k * len(queries)),
        }
        del index
        gc.collect()
    usable = {n: r for n, r in results.items() if r.get(f"recall_at_{k}", 0) >= 0.95}
    results["chosen"] = min(usable, key=lambda n: usable[n]["query_ms_p50"]) if usable else ""
    return results


def at_scale(
    items: Sequence[Item],
    vectors: ItemVectors,
    embedder: Embedder,
    size: int,
    asks: Sequence[str],
    ann_kind: str,
) -> dict[str, Any]:
    """Build a synthetic bank of ``size`` items (vectors memory-mapped) and time explain on it."""
    start = time.perf_counter()
    bank, synthetic = synthetic_bank(items, vectors, size)
    made = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as scratch:
        mapped = memory_mapped(Path(scratch) / "vectors.npy", synthetic.vectors)
        synthetic = ItemVectors(synthetic.item_ids, synthetic.texts, synthetic.owners, mapped)
        gc.collect()
        start = time.perf_counter()
        index: VectorIndex | None = None
        kind = "exact"
        if len(mapped) > EXACT_ROWS:
            index, kind = build_ann(mapped, ann_kind), ann_kind
        ann_s = time.perf_counter() - start
        retriever = Retriever(bank, embedder, synthetic, index=index)
        built = time.perf_counter() - start
        out = {
            "items": len(retriever.items),
            "texts": len(mapped),
            "index": kind,
            "synthesise_s": made,
            "ann_build_s": ann_s,
            "index_build_s": built,
            **explain_latency(retriever, embedder, asks),
            **resident_mb(),
        }
        del retriever, index, mapped, synthetic, bank
        gc.collect()
    return out


def bare_vectors(embedder: Embedder, asks: Sequence[str]) -> Vectors:
    """The asks' vectors (queries for the ANN comparison)."""
    return np.asarray(embedder.encode(list(asks)), dtype=np.float32)


def cpu_count() -> int:
    """CPUs this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
