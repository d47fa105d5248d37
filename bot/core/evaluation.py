"""Retrieval quality over a dev set of asks: recall@k, MRR and abstention precision/recall."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.core.retrieval import ExplainResult


@dataclass(frozen=True, slots=True)
class DevAsk:
    """One hand-written ask; ``expected`` is the item id it means, or None when off-topic."""

    ask: str
    expected: str | None
    kind: str
    held_out: bool = False
    """Written after the retriever was tuned (``added: after-tuning``): an honest estimate."""
    also: tuple[str, ...] = ()
    """Other items that answer the ask as well (a later, more specific item on the same
    idea, e.g. 'lora rank and alpha' once the bank has an item on choosing them)."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the retriever did with one dev ask."""

    case: DevAsk
    ranked: tuple[str, ...]
    top_score: float
    abstained: bool
    weak: bool = False
    """Answered, but labelled a weak match (shown as 'nearest', not as the answer)."""

    @property
    def rank(self) -> int | None:
        """1-based rank of the expected item among the returned ones, None if absent."""
        if self.case.expected is None:
            return None
        accepted = {self.case.expected, *self.case.also}
        found = [n for n, item in enumerate(self.ranked, 1) if item in accepted]
        return found[0] if found else None


@dataclass(frozen=True, slots=True)
class Report:
    """Aggregate quality; recall and MRR count on-topic asks, ignoring abstention."""

    asks: int
    recall_at_1: float
    recall_at_3: float
    mrr: float
    answered: float
    """Share of on-topic asks not abstained on."""
    declined: float
    """Share of off-topic asks abstained on (abstention recall)."""
    abstention_precision: float
    """Share of abstentions that were on off-topic asks."""
    weak: float = 0.0
    """Share of on-topic asks answered but labelled a weak match."""
    honest_off_topic: float = 0.0
    """Share of off-topic asks declined or labelled a weak match (never shown as the answer)."""


def parse_dev_set(rows: Sequence[Mapping[str, Any]]) -> list[DevAsk]:
    """Dev asks from the rows of a YAML dev file."""
    return [
        DevAsk(
            str(row["ask"]),
            None if row.get("expected") is None else str(row["expected"]),
            str(row.get("kind", "")),
            str(row.get("added", "")) == "after-tuning" or str(row.get("split", "")) == "heldout",
            tuple(str(a) for a in row.get("also") or ()),
        )
        for row in rows
    ]


def run(search: Callable[[str], ExplainResult], cases: Sequence[DevAsk]) -> list[Outcome]:
    """Ask every dev ask (``search`` should return at least 3 matches)."""
    outcomes = []
    for case in cases:
        result = search(case.ask)
        ranked = tuple(m.item.id for m in result.matches)
        top = result.matches[0].score if result.matches else 0.0
        outcomes.append(Outcome(case, ranked, top, result.abstained, result.weak))
    return outcomes


def recall_at(outcomes: Sequence[Outcome], k: int) -> float:
    """Share of on-topic asks whose expected item is among the first ``k``."""
    on_topic = [o for o in outcomes if o.case.expected is not None]
    hits = sum(1 for o in on_topic if o.rank is not None and o.rank <= k)
    return hits / len(on_topic) if on_topic else 0.0


def mean_reciprocal_rank(outcomes: Sequence[Outcome]) -> float:
    """Mean of 1/rank of the expected item over on-topic asks (0 when not returned)."""
    on_topic = [o for o in outcomes if o.case.expected is not None]
    total = sum(1.0 / o.rank for o in on_topic if o.rank is not None)
    return total / len(on_topic) if on_topic else 0.0


def abstention(outcomes: Sequence[Outcome]) -> tuple[float, float, float]:
    """(answered share of on-topic, declined share of off-topic, precision of abstentions)."""
    on_topic = [o for o in outcomes if o.case.expected is not None]
    off_topic = [o for o in outcomes if o.case.expected is None]
    abstained = [o for o in outcomes if o.abstained]
    answered = sum(not o.abstained for o in on_topic) / len(on_topic) if on_topic else 0.0
    declined = sum(o.abstained for o in off_topic) / len(off_topic) if off_topic else 0.0
    precision = (
        sum(o.case.expected is None for o in abstained) / len(abstained) if abstained else 1.0
    )
    return answered, declined, precision


def report(outcomes: Sequence[Outcome]) -> Report:
    """All the figures of a dev-set run."""
    answered, declined, precision = abstention(outcomes)
    on_topic = [o for o in outcomes if o.case.expected is not None]
    off_topic = [o for o in outcomes if o.case.expected is None]
    return Report(
        asks=len(outcomes),
        recall_at_1=recall_at(outcomes, 1),
        recall_at_3=recall_at(outcomes, 3),
        mrr=mean_reciprocal_rank(outcomes),
        answered=answered,
        declined=declined,
        abstention_precision=precision,
        weak=sum(o.weak and not o.abstained for o in on_topic) / len(on_topic) if on_topic else 0,
        honest_off_topic=(
            sum(o.abstained or o.weak for o in off_topic) / len(off_topic) if off_topic else 1.0
        ),
    )


def best_threshold(outcomes: Sequence[Outcome], min_answered: float = 0.95) -> float:
    """The threshold declining most off-topic asks while answering ``min_answered`` of the rest.

    Ties go to the midpoint of the widest gap, so the choice does not hug one dev ask.
    """
    on = sorted(o.top_score for o in outcomes if o.case.expected is not None)
    off = sorted(o.top_score for o in outcomes if o.case.expected is None)
    if not on:
        return 0.5
    allowed = int(len(on) * (1.0 - min_answered))
    ceiling = on[allowed]  # answering on[allowed:] keeps at least min_answered
    below = [s for s in off if s < ceiling]
    floor = max(below) if below else 0.0
    return round((floor + ceiling) / 2, 3)
