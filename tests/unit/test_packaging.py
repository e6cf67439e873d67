"""Deployment files stay valid."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def test_docker_compose_is_valid_and_complete():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert services["db"]["image"].startswith("postgis/postgis")
    app = services["app"]
    assert app["environment"]["DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "healthz" in " ".join(app["healthcheck"]["test"])
    assert "gunicorn" in (ROOT / "Dockerfile").read_text()
    assert "est db upgrade" in (ROOT / "Dockerfile").read_text()
    # maps work without a CDN in the image, and the local cluster and venv stay out of it
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "COPY --from=assets /assets/vendor web/static/vendor" in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"var", ".venv", ".git"} <= set(ignored)


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
