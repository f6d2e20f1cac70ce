"""The application as a whole: configuration, health check, API documentation."""

import pytest

from pact_tracker import create_app


def test_production_refuses_to_start_without_a_secret_key(monkeypatch):
    monkeypatch.delenv("PACT_SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="PACT_SECRET_KEY"):
        create_app("production")


def _production(**settings):
    return create_app(
        {"PACT_ENV": "production", "SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": "sqlite://"}
        | settings
    )


def test_production_refuses_rate_limits_counted_by_each_process(monkeypatch):
    monkeypatch.delenv("PACT_RATELIMIT_STORAGE_URI", raising=False)
    monkeypatch.delenv("PACT_RATELIMIT_SINGLE_PROCESS", raising=False)
    with pytest.raises(RuntimeError) as refused:
        _production()
    message = str(refused.value)
    assert "Rate limits are counted in memory" in message
    assert "PACT_RATELIMIT_STORAGE_URI=redis://" in message
    assert "PACT_RATELIMIT_SINGLE_PROCESS=true" in message


def test_production_starts_with_redis_or_the_word_that_one_process_serves(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    shared = _production(RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0")
    alone = _production(RATELIMIT_SINGLE_PROCESS=True)
    assert shared.config["RATELIMIT_STORAGE_URI"].startswith("redis://")
    assert alone.config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_one_process_is_not_believed_when_gunicorn_is_told_to_start_several(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    with pytest.raises(RuntimeError, match="WEB_CONCURRENCY is 4"):
        _production(RATELIMIT_SINGLE_PROCESS=True)


def test_prefixed_environment_variables_override_the_config(monkeypatch):
    monkeypatch.setenv("PACT_COALITION_NAME", "Test Coalition")
    app = create_app({"PACT_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["COALITION_NAME"] == "Test Coalition"


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_openapi_document_describes_the_api(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "pact_tracker API"
    assert "/api/v1/sdg/goals" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_api_docs_are_served_from_vendored_assets(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in page
    assert "//cdn" not in page and "unpkg.com" not in page
    asset = client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")
    assert asset.status_code == 200 and len(asset.data) > 100_000
    asset.close()


def test_a_nul_in_any_path_is_a_plain_404_on_pages_and_api(client):
    for path in ("/signatories/a%00b", "/programmes/A%00B", "/api/v1/signatories/a%00b"):
        response = client.get(path)
        assert response.status_code == 404, path
    assert client.get("/api/v1/programmes/A%00B").get_json()["code"] == 404
