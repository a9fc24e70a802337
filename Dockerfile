# Loopbaan application image: Django served by gunicorn; the same image runs the Celery
# worker, beat and the nightly backup (see docker-compose.yml).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

# WeasyPrint runtime libraries (Pango, HarfBuzz subsetting), a fallback font, gettext for
# compilemessages, and pg_dump/pg_restore for manage.py backup and restore, from Debian's own
# packages. pg_dump refuses a server newer than itself: Debian bookworm ships client 15, so the
# db service runs postgres:15 (tests/test_compose.py checks that the two agree).
ARG POSTGRES_MAJOR=15
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 \
        libpangoft2-1.0-0 \
        libharfbuzz-subset0 \
        fonts-dejavu-core \
        gettext \
        postgresql-client-${POSTGRES_MAJOR} \
    && rm -rf /var/lib/apt/lists/*

RUN groupadd --system app \
    && useradd --system --gid app --home-dir /app --no-create-home --shell /usr/sbin/nologin app

WORKDIR /app

# Dependencies first, so this layer is cached until pyproject.toml or constraints.txt change.
# pyproject.toml declares no packages ([tool.setuptools] packages = []): this installs only
# the dependencies; the code itself is found through PYTHONPATH=/app. README* is copied
# because pyproject.toml names README.md as the project readme.
COPY pyproject.toml constraints.txt README* ./
RUN pip install --no-cache-dir -c constraints.txt .

COPY . .

# Build-time steps run with production settings (DJANGO_DEBUG=0) so that collectstatic uses
# whitenoise's CompressedManifestStaticFilesStorage and writes the manifest the running app
# needs. The secret key exists only inside this RUN step; it is not in the image environment.
RUN export DJANGO_DEBUG=0 DJANGO_SECRET_KEY=build-step-only-not-a-secret EMAIL_URL=smtp://build.invalid \
    && python manage.py compilemessages \
    && python manage.py collectstatic --noinput \
    && mkdir -p /var/lib/celery /var/lib/loopbaan/backups \
    && chown app:app /var/lib/celery \
    && chown -R app:app /var/lib/loopbaan \
    && chmod 700 /var/lib/loopbaan/backups

USER app

EXPOSE 8000

CMD ["gunicorn", "config.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
