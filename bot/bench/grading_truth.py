"""Does grading judge truth? Verdicts on the hand-written grading sets in tests/data/.

Each row of ``grading_set.yaml`` (tuning) and ``grading_heldout.yaml`` (written after tuning,
reported apart) gives, for one bank item: a complete answer in other words, a partial answer
(one key point), contradictions of four kinds (each aimed at one key point), a topical but
wrong answer, the question echoed, a bare list of terms and thread chatter.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.core.grading import Grader
from bot.core.model import CONTRADICTED, COVERED, Grade, Item
from bot.core.ports import Embedder

KINDS = ("swap", "reversal", "negation", "number")
SPLITS = {"dev": "grading_set.yaml", "held-out": "grading_heldout.yaml"}


@dataclass(frozen=True, slots=True)
class Case:
    """One answer of a grading set: what it is and what the grader should see in it."""

    item: Item
    kind: str
    """good, partial, a contradiction kind, topical_wrong, echo, keywords or non_attempt."""
    text: str
    point: int = -1
    """The key point a partial answer states or a contradiction denies (-1: none)."""


def load_cases(path: Path, items: Mapping[str, Item]) -> list[Case]:
    """The cases of one grading set file; rows for items not in the bank are skipped."""
    cases: list[Case] = []
    for row in yaml.safe_load(path.read_text()) or []:
        item = items.get(str(row["item"]))
        if item is None:
            continue
        cases.append(Case(item, "good", str(row["good"])))
        cases.append(Case(item, "partial", str(row["partial"]["text"]), row["partial"]["point"]))
        for kind in KINDS:
            wrong = (row.get("contradictions") or {}).get(kind)
            if wrong:
                cases.append(Case(item, kind, str(wrong["text"]), int(wrong["point"])))
        for kind in ("topical_wrong", "echo", "keywords", "non_attempt"):
            if row.get(kind):
                cases.append(Case(item, kind, str(row[kind])))
    return cases


def _share(flags: Sequence[bool]) -> float:
    return sum(flags) / len(flags) if flags else float("nan")


def _mean(scores: Sequence[int]) -> float:
    return statistics.fmean(scores) if scores else float("nan")


def evaluate(
    grader: Grader, cases: Sequence[Case], embedder: Embedder | None = None
) -> dict[str, Any]:
    """The truth figures of one split, and grade latency on its member-length answers (with
    ``embedder``, next to a bare encode of the same answer, interleaved)."""
    for item in {c.item.id: c.item for c in cases}.values():
        grader.grade(item, item.question + " warm-up")  # a live thread grades many answers
    graded: list[tuple[Case, Grade]] = []
    times: list[float] = []
    encodes: list[float] = []
    for case in cases:
        if embedder is not None:
            start = time.perf_counter()
            embedder.encode([case.text])
            encodes.append(1000 * (time.perf_counter() - start))
        start = time.perf_counter()
        grade = grader.grade(case.item, case.text)
        times.append(1000 * (time.perf_counter() - start))
        graded.append((case, grade))

    def of(kind: str) -> list[tuple[Case, Grade]]:
        return [(c, g) for c, g in graded if c.kind == kind]

    def status(case: Case, grade: Grade) -> str:
        if case.point < 0:
            return ""
        if not grade.verdicts:  # a grader without verdicts (the old one, for comparison)
            return COVERED if case.item.key_points[case.point] in grade.covered else ""
        return grade.verdicts[case.point].status

    contradictions: dict[str, dict[str, float]] = {}
    for kind in KINDS:
        rows = of(kind)
        contradictions[kind] = {
            "answers": len(rows),
            "marked_contradicted": _share([status(c, g) == CONTRADICTED for c, g in rows]),
            "credited_covered": _share([status(c, g) == COVERED for c, g in rows]),
            "scored_40_plus": _share([g.score >= 40 for _, g in rows]),
            "mean_score": _mean([g.score for _, g in rows]),
        }
    every = [g for kind in KINDS for _, g in of(kind)]
    marked = [status(c, g) == CONTRADICTED for kind in KINDS for c, g in of(kind)]
    correct = of("good") + of("partial")
    by_item: dict[str, dict[str, list[int]]] = {}
    for case, grade in graded:
        by_item.setdefault(case.item.id, {}).setdefault(case.kind, []).append(grade.score)
    ordered = [
        s["good"][0] > s["partial"][0] > max(s[k][0] for k in KINDS if k in s)
        for s in by_item.values()
        if "good" in s and "partial" in s and any(k in s for k in KINDS)
    ]
    return {
        "items": len(by_item),
        "answers": len(graded),
        "contradictions": contradictions,
        "contradiction_marked": _share(marked),
        "contradiction_scored_40_plus": _share([g.score >= 40 for g in every]),
        "false_contradictions": _share([bool(g.contradicted) for _, g in correct]),
        "ordered_good_partial_contradiction": _share(ordered),
        "partial_point_credited": _share([status(c, g) == COVERED for c, g in of("partial")]),
        "good_mean": _mean([g.score for _, g in of("good")]),
        "partial_mean": _mean([g.score for _, g in of("partial")]),
        "topical_wrong_mean": _mean([g.score for _, g in of("topical_wrong")]),
        "echo_max": max((g.score for _, g in of("echo")), default=0),
        "keywords_max": max((g.score for _, g in of("keywords")), default=0),
        "non_attempt_graded": _share([g.attempt for _, g in of("non_attempt")]),
        "grade_ms_p50": statistics.median(times),
        "grade_ms_p95": statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0],
        "encode_ms_p50": statistics.median(encodes) if encodes else float("nan"),
    }


def truth_report(
    grader: Grader,
    items: Sequence[Item],
    data: Path,
    limit: int = 0,
    embedder: Embedder | None = None,
) -> dict[str, Any]:
    """``evaluate`` on each split found in ``data`` (the first ``limit`` rows' items if set)."""
    by_id = {item.id: item for item in items}
    result: dict[str, Any] = {}
    for split, name in SPLITS.items():
        path = data / name
        if not path.exists():
            continue
        cases = load_cases(path, by_id)
        if limit:
            keep = list(dict.fromkeys(c.item.id for c in cases))[:limit]
            cases = [c for c in cases if c.item.id in keep]
        result[split] = evaluate(grader, cases, embedder)
    return result


def self_consistency(grader: Grader, items: Sequence[Item], limit: int = 0) -> dict[str, Any]:
    """Each answered item's reference answer graded against its own key points: a correct,
    rich answer, so every contradicted point is a false contradiction (items the grader was
    never tuned on included: the authored ones)."""
    answered = [item for item in items if not item.is_prompt][: limit or None]
    counts = {COVERED: 0, CONTRADICTED: 0, "missed": 0}
    kinds: dict[str, int] = {}
    for item in answered:
        for verdict in grader.grade(item, item.answer).verdicts:
            counts[verdict.status] = counts.get(verdict.status, 0) + 1
            if verdict.status == CONTRADICTED:
                kinds[verdict.kind] = kinds.get(verdict.kind, 0) + 1
    points = sum(counts.values())
    return {
        "items": len(answered),
        "points": points,
        "covered": counts[COVERED] / points if points else float("nan"),
        "contradicted": counts[CONTRADICTED] / points if points else float("nan"),
        "contradicted_by_kind": kinds,
    }


def render(result: Mapping[str, Any]) -> list[str]:
    """The truth figures as plain-text lines for the bench report."""
    lines = ["", "grading truth (verdicts on tests/data/grading_set.yaml and grading_heldout.yaml)"]
    for split, r in result.items():
        if split == "self":
            lines.append(
                f"  reference answers against their own key points: {r['items']} items, "
                f"{r['points']} points; covered {r['covered']:.0%}, contradicted (all false) "
                f"{r['contradicted']:.0%} {r['contradicted_by_kind']}"
            )
            continue
        lines.append(
            f"  {split}: {r['items']} items, {r['answers']} answers; contradictions marked "
            f"{r['contradiction_marked']:.0%}, "
            f"scored >=40 {r['contradiction_scored_40_plus']:.0%}; "
            f"false contradictions on correct answers {r['false_contradictions']:.0%}; "
            f"good>partial>contradiction {r['ordered_good_partial_contradiction']:.0%}; "
            f"partial point credited {r['partial_point_credited']:.0%}"
        )
        for kind, k in r["contradictions"].items():
            lines.append(
                f"    {kind:<9} n={k['answers']:<3.0f} marked {k['marked_contradicted']:.0%}  "
                f"credited covered {k['credited_covered']:.0%}  >=40 {k['scored_40_plus']:.0%}  "
                f"mean {k['mean_score']:.0f}"
            )
        lines.append(
            f"    means: good {r['good_mean']:.0f}, partial {r['partial_mean']:.0f}, topical but "
            f"wrong {r['topical_wrong_mean']:.0f}; max echo {r['echo_max']}, max keyword list "
            f"{r['keywords_max']}; chatter graded {r['non_attempt_graded']:.0%}; grade "
            f"{r['grade_ms_p50']:.1f} ms median, {r['grade_ms_p95']:.1f} ms p95 "
            f"(a bare encode of the answer {r['encode_ms_p50']:.1f} ms, interleaved)"
        )
    return lines
