"""Experiment (not used by the bot): does adapting the embedding model to the bank help explain?

Fine-tunes a copy of the configured model with in-batch negatives (symmetric InfoNCE, scale 20)
on pairs taken from the bank alone: an item's question (or one of its alternate questions)
against each of its key points and answer chunks, alternate questions against the question, and
optionally key points against the question. No dev ask is trained on; every batch holds one
pair per item. Then it scores the explain dev set with the adapted model, next to the base
model in the same run. The figures are in docs/PERFORMANCE.md ("Tried and not adopted").

Run: .venv/bin/python benchmarks/adapt_experiment.py [--epochs 3] [--lr 3e-5] [--seed 0]
     [--key-points]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence
from pathlib import Path

import torch
import yaml

from bot.content.bank import load_bank
from bot.core import evaluation
from bot.core.index import answer_chunks, searchable
from bot.core.model import Item
from bot.core.retrieval import Retriever
from bot.embeddings import SentenceTransformerEmbedder

DEV_SET = Path(__file__).resolve().parents[1] / "tests" / "data" / "explain_dev.yaml"
BATCH = 32
SCALE = 20.0

Pair = tuple[str, str, int]


def bank_pairs(items: Sequence[Item], rng: random.Random, key_points: bool) -> list[Pair]:
    """(anchor, positive, item index) pairs made from the bank's own texts."""
    pairs: list[Pair] = []
    for index, item in enumerate(items):
        anchors = [item.question, *item.alternate_questions]
        bodies = [*item.key_points, *answer_chunks(item.answer)]
        bodies += [chunk for answer in item.alternate_answers for chunk in answer_chunks(answer)]
        pairs += [(rng.choice(anchors), body, index) for body in bodies]
        pairs += [(alternate, item.question, index) for alternate in item.alternate_questions]
        if key_points:
            pairs += [(point, item.question, index) for point in item.key_points]
    return pairs


def batches(pairs: list[Pair]) -> list[list[Pair]]:
    """Batches of at most ``BATCH`` pairs, no two from one item (they would be false negatives)."""
    out: list[list[Pair]] = []
    pending = pairs
    while pending:
        batch: list[Pair] = []
        seen: set[int] = set()
        rest: list[Pair] = []
        for pair in pending:
            if len(batch) < BATCH and pair[2] not in seen:
                batch.append(pair)
                seen.add(pair[2])
            else:
                rest.append(pair)
        if len(batch) < 4:
            break
        out.append(batch)
        pending = rest
    return out


def train(
    embedder: SentenceTransformerEmbedder,
    pairs: list[Pair],
    epochs: int,
    lr: float,
    rng: random.Random,
) -> float:
    """Fine-tune the embedder's model in place; the last batch's loss."""
    model = embedder._model  # the experiment reaches into the wrapped model on purpose
    optimiser = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    loss = torch.tensor(0.0)
    for epoch in range(epochs):
        rng.shuffle(pairs)
        started = time.perf_counter()
        for batch in batches(pairs):
            anchors = model(model.preprocess([a for a, _, _ in batch]))["sentence_embedding"]
            positives = model(model.preprocess([p for _, p, _ in batch]))["sentence_embedding"]
            similarity = SCALE * (
                torch.nn.functional.normalize(anchors, dim=-1)
                @ torch.nn.functional.normalize(positives, dim=-1).T
            )
            labels = torch.arange(len(batch))
            loss = (
                torch.nn.functional.cross_entropy(similarity, labels)
                + torch.nn.functional.cross_entropy(similarity.T, labels)
            ) / 2
            optimiser.zero_grad()
            loss.backward()  # type: ignore[no-untyped-call]
            optimiser.step()
        print(f"epoch {epoch + 1}: loss {loss.item():.3f} in {time.perf_counter() - started:.0f} s")
    model.eval()
    return float(loss.item())


def evaluate(label: str, items: Sequence[Item], embedder: SentenceTransformerEmbedder) -> None:
    """Print the dev-set figures of explain with ``embedder`` (vectors recomputed)."""
    cases = evaluation.parse_dev_set(yaml.safe_load(DEV_SET.read_text()))
    retriever = Retriever(items, embedder)
    outcomes = evaluation.run(lambda ask: retriever.search(ask, 3), cases)
    every = evaluation.report(outcomes)
    held = [o for o in outcomes if o.case.held_out]
    tuned = [o for o in outcomes if not o.case.held_out]
    print(
        f"{label}: R@1 {every.recall_at_1:.3f} R@3 {every.recall_at_3:.3f} MRR {every.mrr:.3f} "
        f"answered {every.answered:.3f} declined {every.declined:.3f} | "
        f"tuned R@1 {evaluation.recall_at(tuned, 1):.3f} | "
        f"held-out R@1 {evaluation.recall_at(held, 1):.3f} R@3 {evaluation.recall_at(held, 3):.3f}"
    )


def main() -> None:
    """Base model, then the bank-adapted model, on the explain dev set."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=3e-5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--key-points", action="store_true", help="also key point -> question")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    items = searchable(load_bank().items)
    embedder = SentenceTransformerEmbedder()
    evaluate("base", items, embedder)
    pairs = bank_pairs(items, rng, args.key_points)
    print(f"{len(pairs)} pairs from {len(items)} items")
    train(embedder, pairs, args.epochs, args.lr, rng)
    evaluate(f"adapted (epochs {args.epochs}, lr {args.lr}, seed {args.seed})", items, embedder)


if __name__ == "__main__":
    main()
