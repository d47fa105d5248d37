"""On-disk cache of embeddings, so a restart does not re-embed the whole bank."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from tqdm import tqdm

from bot.core.index import ItemVectors, build_item_vectors
from bot.core.model import Item
from bot.core.ports import Embedder, Vectors

log = logging.getLogger(__name__)

PROGRESS_MIN_TEXTS = 256
"""Embedding at least this many texts shows a progress bar."""

BATCH = 64


def default_cache_dir() -> Path:
    """``$QOTD_CACHE_DIR/embeddings`` if set, else ``~/.cache/qotd/embeddings``."""
    root = os.environ.get("QOTD_CACHE_DIR")
    base = Path(root).expanduser() if root else Path.home() / ".cache" / "qotd"
    return base / "embeddings"


def cache_key(model_name: str, texts: Sequence[str]) -> str:
    """File stem for these texts embedded by this model: readable model name + content hash."""
    digest = hashlib.sha256()
    digest.update(model_name.encode())
    for text in texts:
        digest.update(b"\x00")
        digest.update(text.encode())
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", model_name)[-60:]
    return f"{safe}-{digest.hexdigest()[:32]}"


def encode_with_progress(
    embedder: Embedder, texts: Sequence[str], *, progress: bool = True
) -> Vectors:
    """Encode in batches, with a tqdm bar when there are many texts (and ``progress``)."""
    if len(texts) < PROGRESS_MIN_TEXTS or not progress:
        return embedder.encode(list(texts))
    parts = [
        embedder.encode(list(texts[start : start + BATCH]))
        for start in tqdm(
            range(0, len(texts), BATCH), desc=f"embedding {len(texts)} texts", unit="batch"
        )
    ]
    return np.concatenate(parts).astype(np.float32)


def _write_atomically(path: Path, vectors: Vectors) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.save(fh, vectors)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class EmbeddingCache:
    """Embeds texts through ``embedder`` unless these exact texts were embedded before.

    With ``mmap`` the vectors come back memory-mapped read-only from the cache file.
    """

    def __init__(
        self,
        embedder: Embedder,
        cache_dir: Path | str | None = None,
        *,
        mmap: bool = False,
        progress: bool = True,
    ) -> None:
        self.embedder = embedder
        self.progress = progress  # False where a bar would write over a prompt (the console)
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        self.mmap = mmap  # return vectors memory-mapped read-only: a big bank stays on disk

    def path_for(self, texts: Sequence[str]) -> Path:
        """Where the vectors of these texts are (or will be) stored."""
        return self.cache_dir / f"{cache_key(self.embedder.name, texts)}.npy"

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Vectors of ``texts``: read from the cache, or computed and stored."""
        path = self.path_for(texts)
        if path.is_file():
            try:
                cached = np.load(path, allow_pickle=False, mmap_mode="r" if self.mmap else None)
                if cached.shape[0] == len(texts):
                    log.info("embeddings loaded from %s", path)
                    return np.asarray(cached, dtype=np.float32)
            except (OSError, ValueError) as exc:
                log.warning("ignoring unreadable embedding cache %s: %s", path, exc)
        vectors = np.asarray(
            encode_with_progress(self.embedder, texts, progress=self.progress), dtype=np.float32
        )
        try:
            _write_atomically(path, vectors)
        except OSError as exc:  # a read-only cache must not stop the bot
            log.warning("could not write embedding cache %s: %s", path, exc)
            return vectors
        if self.mmap:  # the written file, mapped: the computed copy can be freed
            mapped: Vectors = np.load(path, allow_pickle=False, mmap_mode="r")
            return mapped
        return vectors


def cached_item_vectors(
    items: Sequence[Item],
    embedder: Embedder,
    cache_dir: Path | str | None = None,
    *,
    mmap: bool = False,
    progress: bool = True,
) -> ItemVectors:
    """The retriever's item vectors, loaded from the on-disk cache when the texts are unchanged
    (memory-mapped read-only with ``mmap``)."""
    cache = EmbeddingCache(embedder, cache_dir, mmap=mmap, progress=progress)
    return build_item_vectors(items, embedder, encode=cache.encode)
