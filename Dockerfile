# qotd: slim Python, CPU-only torch, the bundled embedding model inside, non-root user.
FROM python:3.11-slim

ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    QOTD_DATABASE_URL=sqlite:////data/qotd.db \
    QOTD_CACHE_DIR=/data/cache \
    QOTD_BANK_DIR=/app/content/bank

WORKDIR /app
RUN pip install --no-cache-dir torch==2.13.0 --index-url "${TORCH_INDEX_URL}"
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY content ./content
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 10001 qotd \
    && mkdir -p /data && chown qotd /data \
    # Embed the bank once at build time so the container starts offline with a warm cache.
    && su qotd -c "QOTD_CACHE_DIR=/data/cache qotd explain 'warm up' --json > /dev/null"

USER qotd
VOLUME ["/data"]
HEALTHCHECK --interval=60s --timeout=10s CMD qotd content stats > /dev/null || exit 1
ENTRYPOINT ["qotd"]
CMD ["run"]
