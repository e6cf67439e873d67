# Production image: the app under gunicorn. Used by docker-compose.yml.

# Leaflet and its plugins, served by the app itself (no CDN needed at run time).
FROM node:20-slim AS assets
WORKDIR /assets
RUN npm install --silent --no-audit --no-fund \
        leaflet@1.9.3 leaflet.markercluster@1.5.3 leaflet.heat@0.2.0 \
    && mkdir -p vendor \
    && cp -r node_modules/leaflet/dist vendor/leaflet \
    && cp -r node_modules/leaflet.markercluster/dist vendor/leaflet.markercluster \
    && cp -r node_modules/leaflet.heat/dist vendor/leaflet.heat

FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core curl \
        postgresql-client \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY est est
COPY geo geo
COPY web web
COPY migrations migrations
COPY --from=assets /assets/vendor web/static/vendor
RUN pip install --no-cache-dir -e .
ENV EST_ENV=production
EXPOSE 8000
CMD ["sh", "-c", "est db upgrade && exec gunicorn -c python:web.gunicorn_conf --workers 3 --bind 0.0.0.0:8000 --access-logfile - 'web:create_app()'"]
