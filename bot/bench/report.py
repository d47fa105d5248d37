"""Run the whole benchmark and render it as a table or JSON (shared by `qotd bench` and
benchmarks/bench.py)."""

from __future__ import annotations

import dataclasses
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from bot.bench import grading_auc, grading_truth, quality, speed
from bot.bench.synthetic import HOW, synthetic_bank
from bot.core import evaluation
from bot.core.grading import Grader
from bot.core.retrieval import EXACT_ROWS, Retriever
from bot.embedding_cache import cached_item_vectors

DATA = Path(__file__).resolve().parents[2] / "tests" / "data"
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
# --quick (the CI smoke test) runs every section but cold start, on a slice:
QUICK_ITEMS = 6
"""Explain quality over the items of the first asks of explain_dev.yaml only."""
QUICK_OFF_TOPIC = 4
"""Off-topic asks kept (abstention is still measured)."""
QUICK_GRADING_ROWS = 3
"""Rows of grading_dev.yaml graded: each good answer against its item and two others, and
each wrong answer (12 member-length pairs)."""


QUICK_TRUTH_ITEMS = 4
"""Items of each grading truth split graded (about 40 answers per split)."""


def machine() -> dict[str, Any]:
    """CPU count and model, RAM and Python of the machine the figures come from."""
    cpu, ram = platform.processor() or "unknown", float("nan")
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem = Path("/proc/meminfo").read_text().split()
        ram = int(mem[mem.index("MemTotal:") + 1]) / 1024 / 1024
    except (OSError, ValueError):
        pass
    return {
        "cpus": speed.cpu_count(),
        "cpu": cpu,
        "ram_gb": round(ram, 1),
        "python": sys.version.split()[0],
    }


def cold_start(cache: str, repeats: int) -> dict[str, float]:
    """Median seconds of a fresh interpreter loading the model only, then the bot with an empty
    and with a warm embedding cache."""

    def once(*args: str) -> float:
        out = subprocess.run(
            [sys.executable, "-m", "bot.bench.coldstart", *args],
            check=True,
            capture_output=True,
            text=True,
        )
        return float(out.stdout.strip().splitlines()[-1])

    model = statistics.median(once("model") for _ in range(repeats))
    empty = []
    for n in range(repeats):
        empty.append(once("bank", f"{cache}/empty{n}"))
    once("bank", f"{cache}/warm")
    warm = statistics.median(once("bank", f"{cache}/warm") for _ in range(repeats))
    return {
        "model_load_s": model,
        "empty_cache_s": statistics.median(empty),
        "warm_cache_s": warm,
        "warm_ratio": warm / model,
    }


def run_bench(
    sizes: Sequence[int] = DEFAULT_SIZES,
    quick: bool = False,
    ann: str = "faiss",
    *,
    quality_only: bool = False,
    bank: Path | None = None,
) -> dict[str, Any]:
    """Every figure of the benchmark, as a JSON-ready dict (``quality_only``: explain quality
    alone, e.g. to compare two banks given as ``bank``)."""
    from bot.content.bank import load_bank
    from bot.embeddings import SentenceTransformerEmbedder

    result: dict[str, Any] = {"machine": machine(), "quick": quick, "synthetic": HOW}
    start = time.perf_counter()
    embedder = SentenceTransformerEmbedder()
    result["model_load_s"] = time.perf_counter() - start
    items = [i for i in load_bank(bank).items if not i.is_prompt]
    cases = evaluation.parse_dev_set(yaml.safe_load((DATA / "explain_dev.yaml").read_text()))
    if quick:  # a small slice: the items of the first asks, and a few off-topic asks
        wanted = list(dict.fromkeys(c.expected for c in cases if c.expected))[:QUICK_ITEMS]
        items = [i for i in items if i.id in wanted]
        off_topic = [c for c in cases if c.expected is None][:QUICK_OFF_TOPIC]
        cases = [c for c in cases if c.expected in wanted] + off_topic
    authored_rows = [
        row
        for path in sorted(DATA.glob("explain_authored_*.yaml"))
        for row in yaml.safe_load(path.read_text()) or []
    ]
    ids = {i.id for i in items}
    new_sets = {  # an ask for an item this bank lacks should be declined: it is off-topic here
        label: [c if c.expected in ids else dataclasses.replace(c, expected=None) for c in asks]
        for label, asks in quality.authored_sets(authored_rows).items()
    }
    if quick:
        new_sets = {label: asks[:QUICK_OFF_TOPIC] for label, asks in new_sets.items()}
    with tempfile.TemporaryDirectory() as cache:
        start = time.perf_counter()
        vectors = cached_item_vectors(items, embedder, cache)
        result["bank_embed_s"] = time.perf_counter() - start
        start = time.perf_counter()
        retriever = Retriever(items, embedder, vectors)
        result["index_build_s"] = time.perf_counter() - start
        bm25 = quality.Bm25Baseline(items)
        dense = quality.DenseQuestionBaseline(items, embedder)
        systems = {
            "qotd": lambda ask: retriever.search(ask, 3),
            "bm25": quality.calibrated(bm25.items, bm25.scores, cases),
            "dense-question": quality.calibrated(dense.items, dense.scores, cases),
        }
        result["quality"] = quality.compare(systems, cases)
        result["quality_new"] = quality.compare_sets(systems, new_sets)
        if quality_only:
            return result
        rows = yaml.safe_load((DATA / "grading_dev.yaml").read_text())
        if quick:  # member-length answers only: the figure the grading target is about
            pairs = grading_auc.grading_pairs(
                load_bank().items, rows[:QUICK_GRADING_ROWS], alternates=False
            )
        else:
            pairs = grading_auc.grading_pairs(items, rows)
        result["grading"] = grading_auc.grading_quality(Grader(embedder), pairs, embedder)
        result["grading_truth"] = grading_truth.truth_report(
            Grader(embedder),
            load_bank().items,
            DATA,
            limit=QUICK_TRUTH_ITEMS if quick else 0,
            embedder=embedder,
        )
        result["grading_truth"]["self"] = grading_truth.self_consistency(
            Grader(embedder), load_bank().items, limit=QUICK_TRUTH_ITEMS if quick else 0
        )
        asks = [c.ask for c in cases][: 10 if quick else 60]
        result["speed"] = {"bank": speed.at_scale(items, vectors, embedder, 0, asks, ann)}
        queries = speed.bare_vectors(embedder, asks)
        ann_size = min(max(sizes, default=0), 100_000)
        if ann_size > EXACT_ROWS:
            _, synthetic = synthetic_bank(items, vectors, ann_size)
            result["ann"] = {"texts": ann_size, **speed.compare_ann(synthetic.vectors, queries)}
            ann = result["ann"]["chosen"] or ann
            del synthetic
        for size in (s for s in sizes if s > len(items)):  # --sizes 0: the bank only
            result["speed"][str(size)] = speed.at_scale(items, vectors, embedder, size, asks, ann)
        if not quick:
            result["cold_start"] = cold_start(cache, repeats=1)
    result["memory"] = speed.resident_mb()
    return result


def _f(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}f}"


def render(result: dict[str, Any]) -> str:
    """The benchmark as plain-text tables."""
    m = result["machine"]
    lines = [f"machine: {m['cpus']} CPUs, {m['cpu']}, {m['ram_gb']} GB RAM, Python {m['python']}"]
    lines += [
        "",
        "explain quality on the old asks, tests/data/explain_dev.yaml (R@1 / R@3 / MRR on asks "
        "that mean an item; abstention on all; weak = answered but labelled a weak match)",
    ]
    lines.append(
        f"{'system':<15}{'split':<12}{'asks':>5}{'R@1':>7}{'R@3':>7}{'MRR':>7}"
        f"{'answered':>10}{'declined':>10}{'abst.prec':>10}{'weak':>7}"
    )
    for system, splits in result["quality"].items():
        for split, r in splits.items():
            lines.append(
                f"{system:<15}{split:<12}{r['asks']:>5}{_f(r['recall_at_1']):>7}"
                f"{_f(r['recall_at_3']):>7}{_f(r['mrr']):>7}{_f(r['answered']):>10}"
                f"{_f(r['declined']) if split == 'all' else '-':>10}"
                f"{_f(r['abstention_precision']) if split == 'all' else '-':>10}"
                f"{_f(r.get('weak', 0.0)):>7}"
            )
    if result.get("quality_new"):
        lines += [
            "",
            "explain quality on the asks for the authored items (tests/data/explain_authored_*);",
            "weak = on-topic asks labelled a weak match; honest = off-topic asks declined or "
            "labelled weak",
        ]
        lines.append(
            f"{'system':<15}{'set':<12}{'asks':>5}{'R@1':>7}{'R@3':>7}{'MRR':>7}"
            f"{'answered':>10}{'weak':>7}{'honest':>8}"
        )
        for system, sets in result["quality_new"].items():
            for label, r in sets.items():
                lines.append(
                    f"{system:<15}{label:<12}{r['asks']:>5}{_f(r['recall_at_1']):>7}"
                    f"{_f(r['recall_at_3']):>7}{_f(r['mrr']):>7}{_f(r['answered']):>10}"
                    f"{_f(r['weak']):>7}{_f(r['honest_off_topic']):>8}"
                )
    if "grading" not in result:  # --quality-only
        return "\n".join(lines)
    g = result["grading"]
    lines += [
        "",
        f"grading ROC-AUC {_f(g['roc_auc'])} ({g['positives']} answers to the question, "
        f"{g['negatives']} to others; mean score {g['mean_positive']:.0f} vs "
        f"{g['mean_negative']:.0f}); grade median {g['grade_ms_p50']:.1f} ms, "
        f"{g.get('grade_member_ms_p50', float('nan')):.1f} ms on member-length answers "
        f"({g.get('grade_member_ratio', float('nan')):.2f}x a bare encode of a question, "
        f"{g.get('encode_ms_p50', float('nan')):.1f} ms, interleaved)",
    ]
    if "grading_truth" in result:
        lines += grading_truth.render(result["grading_truth"])
    lines += [
        "",
        f"model load {result['model_load_s']:.2f} s; bank embedded in "
        f"{result['bank_embed_s']:.2f} s; index build {result['index_build_s']:.3f} s",
    ]
    if "ann" in result:
        a = result["ann"]
        lines.append(f"ANN at {a['texts']} texts (chosen: {a['chosen'] or 'none'}):")
        for kind, r in a.items():
            if isinstance(r, dict):
                lines.append(
                    f"  {kind:<9}"
                    + ", ".join(
                        f"{k} {v:.3f}" if isinstance(v, float) else f"{k} {v}" for k, v in r.items()
                    )
                )
    lines += ["", f"synthetic items: {result['synthetic']}"]
    lines.append(
        f"{'size':<9}{'items':>9}{'index':>9}{'build s':>9}{'p50 ms':>9}{'p95 ms':>9}"
        f"{'p99 ms':>9}{'encode':>9}{'ratio':>7}{'RSS MB':>9}"
    )
    for size, s in result["speed"].items():
        e, q = s["explain_ms"], s["encode_ms"]
        lines.append(
            f"{size:<9}{s['items']:>9}{s['index']:>9}{s['index_build_s']:>9.2f}"
            f"{e['p50']:>9.2f}{e['p95']:>9.2f}{e['p99']:>9.2f}{q['p50']:>9.2f}"
            f"{s['ratio_p50']:>7.2f}{s['rss_mb']:>9.0f}"
        )
    if "cold_start" in result:
        c = result["cold_start"]
        lines += [
            "",
            f"cold start: model only {c['model_load_s']:.2f} s; bot with empty cache "
            f"{c['empty_cache_s']:.2f} s; with warm cache {c['warm_cache_s']:.2f} s "
            f"({c['warm_ratio']:.2f}x model load)",
        ]
    lines.append(
        f"resident memory at the end: {result['memory']['rss_mb']:.0f} MB "
        f"(peak {result['memory']['peak_mb']:.0f} MB)"
    )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    """benchmarks/bench.py entry point: [--json] [--quick] [--sizes N ...]."""
    args = list(sys.argv[1:] if argv is None else argv)
    as_json = "--json" in args
    quick = "--quick" in args
    sizes: list[int] = [int(a) for a in args if a.isdigit()] or (
        [2_000] if quick else list(DEFAULT_SIZES)
    )
    result = run_bench(sizes, quick)
    print(json.dumps(result, indent=2) if as_json else render(result))
