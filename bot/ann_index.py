"""Approximate nearest-neighbour indexes for large banks, behind bot.core.index.VectorIndex.

Three libraries are wrapped so `qotd bench` can measure them side by side; ``DEFAULT_KIND``
is the one that measured fastest at equal recall on this project's machine (docs/PERFORMANCE.md).
Below ``bot.core.retrieval.EXACT_ROWS`` texts the exact numpy search is faster and is used.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.core.index import VectorIndex
from bot.core.ports import Vectors

KINDS = ("usearch", "hnswlib", "faiss")
DEFAULT_KIND = "faiss"
THREADS = max(1, min(4, os.cpu_count() or 1))


class UsearchIndex:
    """usearch HNSW, cosine metric, vectors stored as float16 (half the memory)."""

    def __init__(self, vectors: Vectors, *, expansion: int = 128) -> None:
        from usearch.index import Index

        self._index: Any = Index(
            ndim=vectors.shape[1], metric="ip", dtype="f16", expansion_search=expansion
        )
        keys = np.arange(len(vectors), dtype=np.uint64)
        self._index.add(keys, np.ascontiguousarray(vectors), threads=THREADS)

    def search(self, query: Vectors, k: int) -> tuple[npt.NDArray[np.int64], Vectors]:
        """Up to ``k`` nearest rows and their cosine similarities."""
        found = self._index.search(query, k)
        return found.keys.astype(np.int64), (1.0 - found.distances).astype(np.float32)


class HnswlibIndex:
    """hnswlib HNSW over inner product (the vectors are unit length)."""

    def __init__(self, vectors: Vectors, *, ef: int = 128) -> None:
        import hnswlib

        self._index: Any = hnswlib.Index(space="ip", dim=vectors.shape[1])
        self._index.init_index(max_elements=len(vectors), ef_construction=100, M=16)
        self._index.add_items(np.ascontiguousarray(vectors), num_threads=THREADS)
        self._index.set_ef(ef)

    def search(self, query: Vectors, k: int) -> tuple[npt.NDArray[np.int64], Vectors]:
        """Up to ``k`` nearest rows and their cosine similarities."""
        labels, distances = self._index.knn_query(query, k=min(k, self._index.get_current_count()))
        return labels[0].astype(np.int64), (1.0 - distances[0]).astype(np.float32)


class FaissIndex:
    """faiss IVF-flat over inner product: k-means cells, ``probes`` cells searched per ask."""

    def __init__(self, vectors: Vectors, *, probes: int = 16) -> None:
        import faiss

        faiss.omp_set_num_threads(THREADS)
        # ~4 sqrt(n) cells, but never fewer than the 39 training points per cell faiss wants
        cells = max(1, min(int(4 * np.sqrt(len(vectors))), len(vectors) // 39))
        quantizer = faiss.IndexFlatIP(vectors.shape[1])
        self._index: Any = faiss.IndexIVFFlat(
            quantizer, vectors.shape[1], cells, faiss.METRIC_INNER_PRODUCT
        )
        data = np.ascontiguousarray(vectors, dtype=np.float32)
        sample = data[np.random.default_rng(0).choice(len(data), min(len(data), 40 * cells))]
        self._index.train(sample)
        self._index.add(data)
        self._index.nprobe = min(probes, cells)

    def search(self, query: Vectors, k: int) -> tuple[npt.NDArray[np.int64], Vectors]:
        """Up to ``k`` nearest rows and their cosine similarities."""
        sims, rows = self._index.search(query.reshape(1, -1).astype(np.float32), k)
        keep = rows[0] >= 0
        return rows[0][keep].astype(np.int64), sims[0][keep].astype(np.float32)


def build_ann(vectors: Vectors, kind: str = DEFAULT_KIND) -> VectorIndex:
    """An approximate index of ``kind`` ('usearch', 'hnswlib' or 'faiss') over ``vectors``."""
    if kind == "usearch":
        return UsearchIndex(vectors)
    if kind == "hnswlib":
        return HnswlibIndex(vectors)
    if kind == "faiss":
        return FaissIndex(vectors)
    raise ValueError(f"unknown ANN index {kind!r}; choose one of {', '.join(KINDS)}")


def memory_mapped(path: Path, vectors: Vectors) -> Vectors:
    """Write ``vectors`` to ``path`` (.npy) and return them memory-mapped read-only."""
    np.save(path, np.asarray(vectors, dtype=np.float32))
    mapped: Vectors = np.load(path, mmap_mode="r")
    return mapped
