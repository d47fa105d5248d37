"""How well a trained verifier reads pairs it never saw: the held-out grading split's answers
as (key point, answer) pairs, labelled like the recipe's (``set_pairs``), 3-way accuracy and
per-label recall, plus a few hand pairs printed for a look.

``python -m benchmarks.verifier.probe ARTIFACT SHA256``
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import numpy as np
import yaml

from benchmarks.verifier.model import CrossVerifier
from benchmarks.verifier.pairs import LABELS, set_pairs
from bot.content.bank import load_bank
from bot.embeddings import SentenceTransformerEmbedder

HELD_OUT = Path(__file__).parents[2] / "tests" / "data" / "grading_heldout.yaml"


def main(artifact: Path, sha256: str) -> None:
    """Print the verifier's figures on the held-out split."""
    verifier = CrossVerifier(artifact, sha256)
    items = {item.id: item for item in load_bank().items}
    rows = yaml.safe_load(HELD_OUT.read_text()) or []
    pairs = set_pairs(rows, items, SentenceTransformerEmbedder())
    probs = np.concatenate(
        [
            verifier.judge([(p.point, p.text) for p in pairs[i : i + 32]])
            for i in range(0, len(pairs), 32)
        ]
    )
    said = probs.argmax(1)
    right = collections.Counter()
    total = collections.Counter()
    for pair, guess in zip(pairs, said, strict=True):
        total[pair.label] += 1
        right[pair.label] += int(guess == pair.label)
    print(f"{len(pairs)} held-out pairs; accuracy {sum(right.values()) / len(pairs):.2f}")
    for label, name in enumerate(LABELS):
        print(f"  {name:<12} n={total[label]:<4} recall {right[label] / max(total[label], 1):.2f}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python -m benchmarks.verifier.probe ARTIFACT SHA256")
    main(Path(sys.argv[1]), sys.argv[2])
