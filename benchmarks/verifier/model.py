"""An experiment, not shipped: a cross-encoder made from the bundled all-MiniLM-L6-v2 that
reads a key point and a member's clause together and says whether the clause entails it,
contradicts it or is neutral to it (what a bi-encoder's cosine cannot tell: "A, not B" against
"B, not A").

Its lower layers are the bundled model's, unchanged; its top layer and a three-way head are
trained by ``benchmarks.verifier.train`` (the recipe). The trained file is checked by SHA-256
before loading, the bundled base too. docs/PERFORMANCE.md#verifier says what it measured.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.embeddings import ModelError, bundled_model_dir, file_sha256, verify_bundled_weights

log = logging.getLogger(__name__)

FROZEN_LAYERS = 0
"""Lower encoder layers kept as the bundled model's (the artifact holds the rest); the
embeddings are always the bundled model's. An artifact says its own by the layers it holds."""
MAX_TOKENS = 64
"""Longest (key point, clause) pair read; longer clauses are cut."""


def build(model_dir: Path, frozen: int = FROZEN_LAYERS) -> Any:
    """The untrained cross-encoder: the bundled encoder and a fresh three-way head."""
    import torch
    from transformers import AutoModel

    class CrossEncoder(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(model_dir))
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 3)
            self.frozen = frozen

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            return self.pool(hidden, attention_mask)

        def lower(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            """The frozen layers' output: the input of the first trained layer."""
            out = self.encoder(
                input_ids=input_ids,
                attention_mask=attention_mask,
                token_type_ids=token_type_ids,
                output_hidden_states=True,
            )
            return out.hidden_states[self.frozen]

        def upper(self, hidden: Any, attention_mask: Any) -> Any:
            """The trained layers and the head, from ``lower``'s output."""
            mask = self.encoder._create_attention_masks(
                attention_mask=attention_mask,
                encoder_attention_mask=None,
                embedding_output=hidden,
                encoder_hidden_states=None,
                cache=None,
            )
            if isinstance(mask, tuple):
                mask = mask[0]
            for layer in self.encoder.encoder.layer[self.frozen :]:
                out = layer(hidden, attention_mask=mask)
                hidden = out[0] if isinstance(out, tuple) else out
            return self.pool(hidden, attention_mask)

        def pool(self, hidden: Any, attention_mask: Any) -> Any:
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1.0)
            return self.head(pooled)

    return CrossEncoder()


def trained_names(model: Any) -> list[str]:
    """Names of the parameters the recipe trains (and the artifact holds)."""
    keep = tuple(f"encoder.encoder.layer.{i}." for i in range(model.frozen, 64))
    return [n for n, _ in model.named_parameters() if n.startswith(keep) or n.startswith("head.")]


class CrossVerifier:
    """Entails / contradicts / neutral probabilities for (key point, clause) pairs."""

    def __init__(self, artifact: Path, expected: str) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        if not artifact.is_file():
            raise ModelError(
                f"The verifier {artifact} is missing: train one with "
                "`python -m benchmarks.verifier.train OUT`."
            )
        want = expected
        actual = file_sha256(artifact)
        if actual != want:
            raise ModelError(
                f"Refusing to load the grading verifier {artifact}: its SHA-256 is {actual}, "
                f"not the expected {want}: the file was modified or is another run's."
            )
        import torch
        from safetensors.torch import load_file
        from transformers import AutoTokenizer

        base = bundled_model_dir()
        verify_bundled_weights(base)
        self._torch = torch
        self._tokenizer = AutoTokenizer.from_pretrained(str(base))
        state = {k: v.float() for k, v in load_file(str(artifact)).items()}
        held = [int(k.split(".")[3]) for k in state if k.startswith("encoder.encoder.layer.")]
        model = build(base, min(held, default=64))
        missing = set(trained_names(model)) - set(state)
        if missing:
            raise ModelError(f"The grading verifier {artifact} lacks {sorted(missing)[:3]}…")
        model.load_state_dict(state, strict=False)
        self._model = model.eval()
        log.info("loaded grading verifier %s", artifact.name)

    def judge(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """(n, 3) probabilities (entails, contradicts, neutral) of each (point, text) pair."""
        if not pairs:
            return np.zeros((0, 3), dtype=np.float32)
        torch = self._torch
        batch = self._tokenizer(
            [p for p, _ in pairs],
            [t for _, t in pairs],
            truncation="only_second",
            max_length=MAX_TOKENS,
            padding=True,
            return_tensors="pt",
        )
        with torch.inference_mode():
            logits = self._model(
                batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]
            )
            return torch.softmax(logits, dim=-1).numpy().astype(np.float32)
