"""The ANN indexes agree with exact search on small and large matrices alike."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bot.ann_index import FaissIndex
from bot.core.index import ExactIndex


def _unit_rows(count: int, seed: int) -> np.ndarray:
    """Unit vectors around 64 topics, as sentence embeddings are (not uniform noise)."""
    rng = np.random.default_rng(seed)
    topics = np.random.default_rng(0).normal(size=(64, 32))
    rows = topics[rng.integers(0, 64, count)] + 0.5 * rng.normal(size=(count, 32))
    rows = rows.astype(np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


@pytest.mark.parametrize("rows", [50, 2_000, 6_000])
def test_faiss_finds_the_exact_nearest_rows(rows: int, capfd: pytest.CaptureFixture[str]) -> None:
    """Just above the exact-search threshold a bank is small for k-means: the cell count
    follows the data, so faiss neither warns about training points nor loses recall."""
    vectors = _unit_rows(rows, seed=rows)
    queries = _unit_rows(40, seed=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        approximate = FaissIndex(vectors)
    exact = ExactIndex(vectors)
    found = wanted = 0
    for query in queries:
        truth = set(exact.search(query, 10)[0].tolist())
        found += len(truth & set(approximate.search(query, 10)[0].tolist()))
        wanted += len(truth)
    assert found / wanted >= 0.9
    assert "training points" not in capfd.readouterr().err
