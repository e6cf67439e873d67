# Production image: the app under gunicorn. Used by docker-compose.yml.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY est est
COPY geo geo
COPY web web
COPY migrations migrations
RUN pip install --no-cache-dir -e .
ENV EST_ENV=production
EXPOSE 8000
CMD ["sh", "-c", "est db upgrade && exec gunicorn --workers 3 --bind 0.0.0.0:8000 --access-logfile - 'web:create_app()'"]
