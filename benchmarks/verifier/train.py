"""The verifier's recipe: pairs from the bank and the tuning split, then a seeded fine-tune of
the bundled model's top layer and a three-way head.

``python -m benchmarks.verifier.train OUT [EPOCHS]`` writes OUT and prints where its pairs came
from and its SHA-256; ``python -m benchmarks.verifier.probe OUT SHA256`` measures it.

Deterministic for a given bank, torch build and thread count: every random choice is seeded,
torch runs its deterministic algorithms, and the pairs come in a seeded order. The artifact's
SHA-256 is printed.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from benchmarks.verifier.model import MAX_TOKENS, build, trained_names
from benchmarks.verifier.pairs import LABELS, Pair, training_pairs
from bot.core.model import Item
from bot.core.ports import Embedder
from bot.embeddings import bundled_model_dir, file_sha256, verify_bundled_weights

SEED = 20261202
EPOCHS = 2
BATCH = 16
LEARNING_RATE = 4e-5
HEAD_LEARNING_RATE = 1e-3
THREADS = 2


@dataclass(frozen=True, slots=True)
class Trained:
    """What a run of the recipe made."""

    path: Path
    sha256: str
    pairs: int
    by_origin: dict[str, int]
    seconds: float
    final_loss: float


def train(
    items: Sequence[Item],
    embedder: Embedder,
    tuning_set: Path | None,
    out: Path,
    *,
    epochs: int = EPOCHS,
    limit: int = 0,
    progress: Callable[[int, int, float], None] | None = None,
) -> Trained:
    """Run the recipe and write the artifact to ``out``."""
    import torch
    from safetensors.torch import save_file
    from transformers import AutoTokenizer

    start = time.perf_counter()
    torch.manual_seed(SEED)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(THREADS)
    base = bundled_model_dir()
    verify_bundled_weights(base)
    pairs: list[Pair] = training_pairs(items, embedder, tuning_set, seed=SEED)
    if limit:
        pairs = pairs[:limit]
    tokenizer = AutoTokenizer.from_pretrained(str(base))
    model = build(base)
    names = set(trained_names(model))
    for name, param in model.named_parameters():
        param.requires_grad = name in names
    head = [p for n, p in model.named_parameters() if n.startswith("head.")]
    body = [p for n, p in model.named_parameters() if n in names and not n.startswith("head.")]
    optimizer = torch.optim.AdamW(
        [{"params": body, "lr": LEARNING_RATE}, {"params": head, "lr": HEAD_LEARNING_RATE}],
        weight_decay=0.01,
    )
    counts = collections.Counter(p.label for p in pairs)
    weights = torch.tensor([len(pairs) / (3 * max(counts[i], 1)) for i in range(3)])
    loss_fn = torch.nn.CrossEntropyLoss(weight=weights)
    steps = epochs * ((len(pairs) + BATCH - 1) // BATCH)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / (0.06 * steps)) * max(0.0, 1 - step / steps)
    )
    # the frozen layers run once per pair; the epochs run only the trained layers
    model.eval()
    lowers, masks = [], []
    with torch.inference_mode():
        for first in range(0, len(pairs), 64):
            chunk = pairs[first : first + 64]
            enc = tokenizer(
                [p.point for p in chunk],
                [p.text for p in chunk],
                truncation="only_second",
                max_length=MAX_TOKENS,
                padding="max_length",
                return_tensors="pt",
            )
            ids, mask, types = enc["input_ids"], enc["attention_mask"], enc["token_type_ids"]
            lowers.append(model.lower(ids, mask, types))
            masks.append(enc["attention_mask"])
            if progress is not None:
                progress(-(first + len(chunk)), len(pairs), float("nan"))
    hidden_all = torch.cat(lowers).clone()
    mask_all = torch.cat(masks)
    labels = torch.tensor([p.label for p in pairs])
    model.train()
    step, loss_value = 0, float("nan")
    order = torch.Generator().manual_seed(SEED)
    for _epoch in range(epochs):
        for batch_ids in torch.randperm(len(pairs), generator=order).split(BATCH):
            mask = mask_all[batch_ids]
            width = int(mask.sum(1).max())
            logits = model.upper(hidden_all[batch_ids, :width], mask[:, :width])
            loss = loss_fn(logits, labels[batch_ids])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            schedule.step()
            step += 1
            loss_value = float(loss)
            if progress is not None:
                progress(step, steps, loss_value)
    state = {
        n: p.detach().to(torch.float16).contiguous()
        for n, p in model.named_parameters()
        if n in names
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(out), metadata={"recipe": "bot.verifier.train", "seed": str(SEED)})
    origins = collections.Counter(p.origin for p in pairs)
    return Trained(
        out,
        file_sha256(out),
        len(pairs),
        dict(sorted(origins.items())),
        time.perf_counter() - start,
        loss_value,
    )


def describe(result: Trained) -> list[str]:
    """The recipe's report: where the pairs came from, time, and the artifact's hash."""
    labels = ", ".join(LABELS)
    lines = [f"{result.pairs} pairs ({labels}) from:"]
    lines += [f"  {origin:<22} {n}" for origin, n in result.by_origin.items()]
    lines.append(f"trained in {result.seconds:.0f} s, last batch loss {result.final_loss:.3f}")
    lines.append(f"wrote {result.path}")
    lines.append(f"sha256 {result.sha256}")
    return lines


def main(argv: Sequence[str]) -> None:
    """Train on the shipped bank and the tuning split; print the report."""
    import sys

    from bot.content.bank import load_bank
    from bot.embeddings import SentenceTransformerEmbedder

    if not argv:
        sys.exit("usage: python -m benchmarks.verifier.train OUT [EPOCHS]")
    epochs = int(argv[1]) if len(argv) > 1 else EPOCHS
    tuning = Path(__file__).parents[2] / "tests" / "data" / "grading_set.yaml"

    def shown(step: int, steps: int, loss: float) -> None:
        if step > 0 and (step % 50 == 0 or step == steps):
            print(f"step {step}/{steps} loss {loss:.3f}", flush=True)

    result = train(
        load_bank().items,
        SentenceTransformerEmbedder(),
        tuning,
        Path(argv[0]),
        epochs=epochs,
        progress=shown,
    )
    print("\n".join(describe(result)))


if __name__ == "__main__":
    import sys

    main(sys.argv[1:])
