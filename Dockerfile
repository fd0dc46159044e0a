# One image for every process of the backoffice: web (bin/web: gunicorn's ASGI workers, HTTP and WebSockets), Celery worker, Celery beat,
# the migrations job and the internal gRPC wallet. Which one runs is the container's command (deploy/compose.yaml,
# deploy/k8s/); the default is web.

# ---- build: a virtualenv with the pinned requirements and the collected static files (hashed names)
FROM python:3.11-slim-bookworm AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install --require-hashes -r /tmp/requirements.lock
WORKDIR /app
COPY . /app
# Settings demand a secret outside sandbox mode; collectstatic needs none, so a throwaway one is enough here.
RUN DJANGO_SECRET_KEY=collectstatic-only JWT_SIGNING_KEY=collectstatic-only \
    FIELD_ENCRYPTION_KEYS=Y29sbGVjdHN0YXRpYy1vbmx5LW5vLXNlY3JldC1oZXI= /opt/venv/bin/python manage.py collectstatic --no-input -v 0 \
    && rm -rf /app/.venv /app/.env /app/tests /app/bench

# ---- gateway: NGINX from Debian's packages with the config in deploy/nginx/ and the hashed static files baked in
FROM debian:bookworm-slim AS gateway
RUN apt-get update && apt-get install -y --no-install-recommends nginx-light gettext-base \
    && rm -rf /var/lib/apt/lists/* \
    && mkdir -p /var/cache/casino-gateway /run/casino-gateway \
    && chown www-data:www-data /var/cache/casino-gateway /run/casino-gateway
COPY deploy/nginx/ /opt/casino-gateway/
COPY --from=build /app/var/static /srv/casino/static
ENV NGINX_STATIC_ROOT=/srv/casino/static NGINX_RUN_DIR=/var/cache/casino-gateway NGINX_CONF_DIR=/run/casino-gateway
USER www-data
EXPOSE 8443 50443
HEALTHCHECK --interval=15s --timeout=5s --retries=3 CMD ["/opt/casino-gateway/healthcheck"]
CMD ["/opt/casino-gateway/run"]

# ---- runtime (the default target): the virtualenv and the code, nothing else, run by an unprivileged user
FROM python:3.11-slim-bookworm AS runtime
ENV PATH=/opt/venv/bin:$PATH PYTHONUNBUFFERED=1 PYTHONDONTWRITEBYTECODE=1 \
    DJANGO_SETTINGS_MODULE=casino.settings HOST=0.0.0.0 PORT=8000 BEHIND_TLS_PROXY=1
RUN groupadd --system --gid 10001 casino && useradd --system --uid 10001 --gid casino --home-dir /app casino
COPY --from=build /opt/venv /opt/venv
COPY --from=build --chown=casino:casino /app /app
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# Liveness of the web process; the worker and beat containers replace it with their own (deploy/compose.yaml).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000'), timeout=4)"]
# The same web server as `make serve`; the client address comes from the gateway's X-Forwarded-For (core/net.py).
CMD ["bin/web"]
