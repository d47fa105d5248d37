"""The bundled model: official weights verified, tampering refused, other models by name/path."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.embeddings import (
    BUNDLED_SHA256,
    ModelError,
    SentenceTransformerEmbedder,
    bundled_model_dir,
    file_sha256,
    verify_bundled_weights,
)


def test_bundled_weights_are_the_official_all_minilm_l6_v2() -> None:
    assert file_sha256(bundled_model_dir() / "model.safetensors") == BUNDLED_SHA256
    verify_bundled_weights(bundled_model_dir())


def test_tampered_weights_are_refused_with_a_clear_error(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(bundled_model_dir(), copy)
    with (copy / "model.safetensors").open("r+b") as fh:
        fh.seek(4096)
        fh.write(b"\x00\x01\x02\x03")
    with pytest.raises(ModelError, match="not the official all-MiniLM-L6-v2 weights"):
        verify_bundled_weights(copy)


def test_missing_weights_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match="no weights file"):
        verify_bundled_weights(tmp_path)


def test_unknown_model_name_fails_without_downloading() -> None:
    with pytest.raises(ModelError, match="never downloaded at run time"):
        SentenceTransformerEmbedder("no-such-org/no-such-model-xyz")


def test_another_model_can_be_loaded_by_path(tmp_path: Path) -> None:
    embedder = SentenceTransformerEmbedder(str(bundled_model_dir()))
    vectors = embedder.encode(["low-rank adapters", "LoRA fine-tuning"])
    assert vectors.shape == (2, 384)
    assert embedder.name == str(bundled_model_dir())


def test_loading_the_model_leaves_numpy_one_blas_thread(
    real_embedder: SentenceTransformerEmbedder,
) -> None:
    """Spinning OpenBLAS threads next to torch's slowed the query encode several-fold."""
    from threadpoolctl import threadpool_info

    assert real_embedder.encode(["warm"]).shape == (1, real_embedder.dimension)
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas, "numpy has no BLAS thread pool to limit"
    assert all(pool["num_threads"] == 1 for pool in blas)
