# syntax=docker/dockerfile:1
# Build stage: compile wheels for the pinned production requirements.
FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN apt-get update && apt-get install -y --no-install-recommends build-essential libicu-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
COPY requirements/ /tmp/requirements/
RUN pip wheel --wheel-dir /wheels -r /tmp/requirements/prod.txt

# Run stage: no compilers, a non-root user, gunicorn.
FROM python:3.11-slim AS run
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    DJANGO_SETTINGS_MODULE=config.settings.prod PORT=8000
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 libicu72 curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system bank && useradd --system --gid bank --home /app bank
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/* && rm -rf /wheels
WORKDIR /app
COPY --chown=bank:bank . /app
# collectstatic needs settings that load; these build-time values never reach a running container.
RUN SECRET_KEY=build-only-0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ \
    DATABASE_URL=postgres://build@localhost/build REDIS_URL=redis://localhost:6379/0 ALLOWED_HOSTS=build \
    METRICS_TOKEN=build-only-0123456789abcdefghijklmnop \
    FIELD_ENCRYPTION_KEYS=YnVpbGQtb25seS1ub3QtYS1zZWNyZXQtMzJieXRlcyE= BLIND_INDEX_KEY=build-only-0123456789abcdefghijklmnop \
    python manage.py collectstatic --noinput -v0
USER bank
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${PORT}/health/" || exit 1
# The proxy's headers are judged by Django (TRUSTED_PROXIES / TRUSTED_PROXY_COUNT), not by gunicorn:
# gunicorn's --forwarded-allow-ips='*' would believe X-Forwarded-Proto from any client.
CMD ["sh", "-c", "gunicorn config.wsgi:application --bind 0.0.0.0:${PORT} --workers ${WEB_CONCURRENCY:-3} --access-logfile -"]
