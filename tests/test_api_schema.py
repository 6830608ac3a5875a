"""The OpenAPI document against the running API: schemathesis generates
requests for every operation and sends each with an admin's, an
annotator's and a researcher's token (a small annotated corpus, part of it
assigned to the annotator), and checks that nothing answers 5xx and every
response matches the document, the 403 and 404 refusals included."""

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
from tests.conftest import assign
from tests.test_api import api_user, bearer, seed_corpus, translations_of

CHECKS = [not_a_server_error, response_schema_conformance]
#: Every request is sent once per role: what each may see and do differs.
ROLES = ("admin", "annotator", "researcher")
#: Ids the seeded objects have (both corpora), for the id-drawing test.
SEEDED_IDS = st.integers(1, 24)


class ApiTestConfig(TestConfig):
    """Its own database: the `app` fixture's is dropped after every test."""


@pytest.fixture(scope="module")
def api_app(new_database_url: Callable[[], str]) -> Iterator[Flask]:
    config = type("Config", (ApiTestConfig,), {"SQLALCHEMY_DATABASE_URI": new_database_url()})
    app = create_app(config)
    with app.app_context():
        db.create_all()
        corpus = seed_corpus("news")
        # Not assigned to the annotator: what it asks there is refused.
        seed_corpus("secret", documents=1)
        users = {role: api_user(f"{role}-user", role) for role in ROLES}
        assign(users["annotator"], "news")
        app.config["TEST_HEADERS"] = {role: bearer(user) for role, user in users.items()}
        client = app.test_client()
        # Some finished work, so scores, assessments, revisions and spans
        # have content for the generated requests to find.
        for role in ("admin", "annotator"):
            for translation in translations_of(corpus)[:3]:
                response = client.put(
                    f"/api/v1/translations/{translation.id}/assessment",
                    json={
                        "base_version": 0,
                        "status": "done",
                        "post_edit": translation.text + " Fixed.",
                        "spans": [
                            {"start": 0, "end": 3, "category": "Fluency", "severity": "Minor"}
                        ],
                    },
                    headers=app.config["TEST_HEADERS"][role],
                )
                assert response.status_code == 200, response.get_json()
        db.session.remove()
    yield app
    with app.app_context():
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def call_as_every_role(case: schemathesis.Case, app: Flask) -> None:
    for role in ROLES:
        try:
            with app.app_context():
                case.call_and_validate(
                    app=app, headers=app.config["TEST_HEADERS"][role], checks=CHECKS
                )
        except Exception as exc:
            exc.add_note(f"sent with the {role}'s token")
            raise


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
    call_as_every_role(case, api_app)


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
    case.path_parameters = {name: data.draw(SEEDED_IDS) for name in case.path_parameters}
    call_as_every_role(case, api_app)
