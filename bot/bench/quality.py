"""Explain quality on the labelled asks: qotd against BM25 and plain dense cosine, per split."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict
from typing import Any

import bm25s
import numpy as np

from bot.core import evaluation
from bot.core.index import searchable
from bot.core.model import Item, Match
from bot.core.ports import Embedder
from bot.core.retrieval import ExplainResult
from bot.core.text import STOPWORDS, plain_text, stem, tokens

Search = Callable[[str], ExplainResult]


def _words(text: str) -> list[str]:
    return [stem(w) for w in tokens(text) if w not in STOPWORDS]


class Bm25Baseline:
    """bm25s over each item's question, key points and answer (same stemmer, no extras)."""

    def __init__(self, items: Sequence[Item]) -> None:
        self.items = searchable(items)
        corpus = [
            _words(
                " ".join([i.question, *i.alternate_questions, *i.key_points, plain_text(i.answer)])
            )
            for i in self.items
        ]
        self._bm25 = bm25s.BM25()
        self._bm25.index(corpus, show_progress=False)

    def scores(self, ask: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        words = [w for w in _words(ask) if w in self._bm25.vocab_dict]
        if not words:
            return np.zeros(len(self.items))
        return np.asarray(self._bm25.get_scores(words), dtype=np.float64)


class DenseQuestionBaseline:
    """Cosine between the raw ask and each item's question, nothing else."""

    def __init__(self, items: Sequence[Item], embedder: Embedder) -> None:
        self.items = searchable(items)
        self._embedder = embedder
        self._vectors = embedder.encode([i.question for i in self.items])

    def scores(self, ask: str) -> np.ndarray[Any, np.dtype[np.float64]]:
        return np.asarray(self._vectors @ self._embedder.encode([ask])[0], dtype=np.float64)


def ranked_search(items: Sequence[Item], scores: Callable[[str], Any], threshold: float) -> Search:
    """A search function over a baseline's scores that abstains below ``threshold``."""

    def search(ask: str) -> ExplainResult:
        values = scores(ask)
        order = np.argsort(-values, kind="stable")[:3]
        matches = tuple(Match(items[i], float(values[i])) for i in order)
        return ExplainResult(ask, float(values[order[0]]) < threshold, matches, ())

    return search


def calibrated(
    items: Sequence[Item], scores: Callable[[str], Any], cases: Sequence[evaluation.DevAsk]
) -> Search:
    """A baseline search whose abstention threshold is tuned on ``cases`` (its best case)."""
    outcomes = evaluation.run(ranked_search(items, scores, -1e9), cases)
    return ranked_search(items, scores, evaluation.best_threshold(outcomes, 0.97))


def split_reports(outcomes: Sequence[evaluation.Outcome]) -> dict[str, dict[str, float]]:
    """The evaluation report over all asks, per kind of on-topic ask, and over held-out asks."""
    kinds = sorted({o.case.kind for o in outcomes if o.case.expected is not None})
    reports = {"all": asdict(evaluation.report(outcomes))}
    for kind in kinds:
        on = [o for o in outcomes if o.case.kind == kind and o.case.expected is not None]
        reports[kind] = asdict(evaluation.report(on))
    held = [o for o in outcomes if o.case.held_out]
    if held:
        reports["held-out"] = asdict(evaluation.report(held))
    return reports


def compare(
    systems: dict[str, Search], cases: Sequence[evaluation.DevAsk]
) -> dict[str, dict[str, dict[str, float]]]:
    """Per system, per split, the quality figures."""
    return {name: split_reports(evaluation.run(search, cases)) for name, search in systems.items()}


def authored_sets(rows: Sequence[dict[str, Any]]) -> dict[str, list[evaluation.DevAsk]]:
    """The asks of tests/data/explain_authored_*.yaml by ``split``: 'new-dev', 'new-heldout'."""
    cases = evaluation.parse_dev_set(rows)
    return {
        "new-dev": [c for c in cases if not c.held_out],
        "new-heldout": [c for c in cases if c.held_out],
    }


def compare_sets(
    systems: dict[str, Search], sets: Mapping[str, Sequence[evaluation.DevAsk]]
) -> dict[str, dict[str, dict[str, float]]]:
    """Per system, the overall figures of each labelled set (empty sets are left out)."""
    return {
        name: {
            label: asdict(evaluation.report(evaluation.run(search, cases)))
            for label, cases in sets.items()
            if cases
        }
        for name, search in systems.items()
    }
