"""The OpenAPI document against the running API: schemathesis generates
requests for every operation (an admin's token, a small annotated corpus)
and checks that nothing answers 5xx and every response matches the
document, including the error responses."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error, response_schema_conformance

from app import create_app
from app.extensions import db
from config import TestConfig
from tests.test_api import api_user, bearer, seed_corpus, translations_of

CHECKS = [not_a_server_error, response_schema_conformance]


class ApiTestConfig(TestConfig):
    """Its own database: the `app` fixture's is dropped after every test."""


@pytest.fixture(scope="module")
def api_app(new_database_url: Callable[[], str]) -> Iterator[Flask]:
    config = type("Config", (ApiTestConfig,), {"SQLALCHEMY_DATABASE_URI": new_database_url()})
    app = create_app(config)
    with app.app_context():
        db.create_all()
        corpus = seed_corpus("news")
        admin = api_user("root", "admin")
        app.config["TEST_ADMIN_HEADERS"] = bearer(admin)
        client = app.test_client()
        # Some finished work, so scores, assessments, revisions and spans
        # have content for the generated requests to find.
        for translation in translations_of(corpus)[:3]:
            response = client.put(
                f"/api/v1/translations/{translation.id}/assessment",
                json={
                    "base_version": 0,
                    "status": "done",
                    "post_edit": translation.text + " Fixed.",
                    "spans": [{"start": 0, "end": 3, "category": "Fluency", "severity": "Minor"}],
                },
                headers=app.config["TEST_ADMIN_HEADERS"],
            )
            assert response.status_code == 200, response.get_json()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@functools.cache
def served_document() -> dict:
    """The document as the app serves it, from an app with no database:
    the tests are generated at import, before any fixture runs."""
    config = type("Config", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    app = create_app(config)
    document = app.test_client().get("/api/v1/openapi.json").get_json()
    with app.app_context():
        db.engine.dispose()
    return document


schema = schemathesis.openapi.from_dict(served_document())


@schema.parametrize()
@settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_openapi_document(case: schemathesis.Case, api_app: Flask) -> None:
    with api_app.app_context():
        case.call_and_validate(
            app=api_app, headers=api_app.config["TEST_ADMIN_HEADERS"], checks=CHECKS
        )


def test_openapi_document_is_served(api_app: Flask) -> None:
    spec = api_app.test_client().get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    assert "/api/v1/translations/{translation_id}/assessment" in spec["paths"]


#: Operations whose path names ids; generated ids rarely exist, so these
#: are also tried with ids drawn from the seeded range.
OPERATIONS_WITH_IDS = sorted(
    (path, method.upper())
    for path, item in served_document()["paths"].items()
    if "{" in path
    for method in item
    if method in ("get", "put")
)


@pytest.mark.parametrize(("path", "method"), OPERATIONS_WITH_IDS)
@given(data=st.data())
@settings(max_examples=5, deadline=None, suppress_health_check=list(HealthCheck))
def test_existing_objects_conform(
    api_app: Flask, path: str, method: str, data: st.DataObject
) -> None:
    case = data.draw(schema[path][method].as_strategy())
    case.path_parameters = {name: data.draw(st.integers(1, 12)) for name in case.path_parameters}
    with api_app.app_context():
        case.call_and_validate(
            app=api_app, headers=api_app.config["TEST_ADMIN_HEADERS"], checks=CHECKS
        )
