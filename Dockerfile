FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    STATIC_ROOT=/app/staticfiles PORTAL_VAR_DIR=/app/var

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpq-dev curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY pyproject.toml ./
COPY portal/__init__.py portal/celery.py portal/
RUN mkdir contracts incidents tam reports && pip install .  # dependencies layer
COPY . .
RUN pip install --no-deps -e . \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --create-home portal && mkdir -p var && chown -R portal var
USER portal

EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
