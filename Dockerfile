FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    STATIC_ROOT=/app/staticfiles PORTAL_VAR_DIR=/app/var

RUN apt-get update \
    && apt-get install -y --no-install-recommends build-essential libpq-dev curl \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies layer, rebuilt only when the dependencies change: the runtime
# requirements of pyproject.toml, each package at the version and hashes that
# requirements.lock pins (the lock's dev tools stay out of the image).
COPY pyproject.toml requirements.lock ./
RUN pip install pip==26.3 \
    && python -c "import tomllib; print(*tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies'], sep='\n')" > /tmp/runtime.txt \
    && pip install --require-hashes -c requirements.lock -r /tmp/runtime.txt \
    && rm /tmp/runtime.txt
COPY . .
RUN pip install --no-deps -e . \
    && SECRET_KEY=build-only python manage.py collectstatic --noinput \
    && useradd --create-home portal && mkdir -p var/media && chown -R portal var
USER portal

EXPOSE 8000
CMD ["gunicorn", "portal.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
