"""The permission matrix: every endpoint, method and identity, with the URL
filled by objects of campaign B, which annotator A has no part in.

The endpoints come from `app.url_map`, so a view added later is checked
without editing this file; its expected access must be written down in
tests/security_matrix.py, or `test_every_endpoint_is_classified` fails.
Bodies are valid saves and creations, so a view that forgot its access check
would succeed rather than be stopped by validation.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask, g
from flask.testing import FlaskClient
from werkzeug.routing import Rule
from werkzeug.security import generate_password_hash

from app import create_app
from app.assessments import SpanData, get_or_create_assessment, save_assessment
from app.assignment import create_campaign
from app.extensions import db
from app.models import (
    ApiToken,
    Assessment,
    Campaign,
    Corpus,
    Document,
    ErrorSpan,
    GlossaryTerm,
    QaFlag,
    Revision,
    Segment,
    Translation,
    User,
)
from config import TestConfig
from tests.security_matrix import (
    ALLOW,
    ANY,
    DENY,
    LOGIN,
    ROLES,
    STATIC_FILES,
    TOKEN_ROLES,
    Access,
    expected,
)

PASSWORD = "matrix password"
#: One cheap hash for every user of the matrix: hundreds of logins.
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
API_PREFIX = "/api/v1"
LOGIN_PATH = "/auth/login"


def _rules() -> list[Rule]:
    class RulesOnly(TestConfig):
        SQLALCHEMY_DATABASE_URI = "sqlite://"

    return sorted(create_app(RulesOnly).url_map.iter_rules(), key=lambda r: (r.endpoint, r.rule))


RULES = _rules()
CASES = [
    pytest.param(rule, method, id=f"{rule.endpoint}-{method}-{rule.rule}")
    for rule in RULES
    for method in METHODS
    if method in (rule.methods or ())
]


@dataclass
class World:
    """Two campaigns in one shared corpus plus a corpus of B's alone:
    annotator A works on campaign A only; everything in the URLs is B's."""

    users: dict[str, User]
    tokens: dict[str, str]
    corpus_a: Corpus
    corpus_b: Corpus
    doc_a: Document
    doc_b: Document
    segment_b: Segment
    translation_a: Translation
    translation_b: Translation
    campaign_b: Campaign
    assessment_b: Assessment
    span_b: ErrorSpan
    revision_b: Revision
    flag_b: QaFlag
    term_b: GlossaryTerm
    token_b: ApiToken
    extra: dict[str, Any] = field(default_factory=dict)


def _user(name: str, role: str) -> User:
    user = User(username=name, role=role)
    user.password_hash = PASSWORD_HASH
    db.session.add(user)
    return user


def _document(corpus: Corpus, name: str, texts: list[str]) -> Document:
    document = Document(corpus=corpus, name=name, title=f"Title of {name}")
    db.session.add(document)
    for position, text in enumerate(texts, start=1):
        segment = Segment(document=document, position=position, kind="body", source=f"源{text}")
        segment.translations.append(Translation(system="sys-1", text=text))
        db.session.add(segment)
    return document


def issue_token(user: User, name: str) -> tuple[ApiToken, str]:
    """A token made the way the token pages make them, or stored the same
    way (the SHA-256 of the secret) when the token API is not installed."""
    try:
        from app.api.tokens import create_token
    except ModuleNotFoundError:
        secret = "mtqa_" + secrets.token_urlsafe(32)
        token = ApiToken(
            user=user,
            name=name,
            prefix=secret[:12],
            token_hash=hashlib.sha256(secret.encode()).hexdigest(),
        )
        db.session.add(token)
        return token, secret
    db.session.flush()
    return create_token(db.session, user, name)


def build_world() -> World:
    users = {
        "annotator": _user("ann-a", "annotator"),
        "annotator_b": _user("ann-b", "annotator"),
        "researcher": _user("researcher", "researcher"),
        "admin": _user("admin", "admin"),
    }
    shared = Corpus(name="shared", source_lang="zh", target_lang="en")
    corpus_b = Corpus(name="corpus-b", source_lang="zh", target_lang="en")
    db.session.add_all([shared, corpus_b])
    doc_a = _document(shared, "doc-of-a", ["Alpha one.", "Alpha two."])
    doc_b = _document(shared, "doc-of-b", ["Bravo one & two.", "Bravo two."])
    doc_b2 = _document(corpus_b, "only-b", ["Charlie one.", "Charlie two."])
    db.session.flush()
    create_campaign(
        db.session, name="campaign-a", corpus=shared, annotators=[users["annotator"]],
        documents=["doc-of-a"],
    )  # fmt: skip
    campaign_b = create_campaign(
        db.session, name="campaign-b", corpus=shared, annotators=[users["annotator_b"]],
        documents=["doc-of-b"], description="B's campaign", created_by=users["admin"],
    )  # fmt: skip
    create_campaign(
        db.session, name="campaign-b2", corpus=corpus_b, annotators=[users["annotator_b"]]
    )
    # A document both annotators work on (two per segment): each sees only
    # their own assessment of the same translation.
    doc_ab = _document(shared, "shared-doc-ab", ["Delta one."])
    db.session.flush()
    create_campaign(
        db.session, name="campaign-ab", corpus=shared, per_segment=2,
        annotators=[users["annotator"], users["annotator_b"]], documents=["shared-doc-ab"],
    )  # fmt: skip
    db.session.flush()

    def first_translation(document: Document) -> Translation:
        return db.session.scalars(
            sa.select(Translation)
            .join(Segment)
            .where(Segment.document_id == document.id)
            .order_by(Segment.position)
        ).first()

    translation_a = first_translation(doc_a)
    translation_b = first_translation(doc_b)
    translation_ab = first_translation(doc_ab)
    # Both annotators have saved work: A on their own, B on campaign B's
    # and on the translation they share.
    for user, translation in (
        (users["annotator"], translation_a),
        (users["annotator_b"], translation_b),
        (users["annotator_b"], translation_ab),
    ):
        assessment = get_or_create_assessment(db.session, translation, user)
        save_assessment(
            db.session, assessment, user=user, base_version=assessment.version,
            post_edit=translation.text + " edited", status="draft",
            spans=[SpanData(0, 5, "Accuracy/Mistranslation", "Major", note="B's note")],
        )  # fmt: skip
        db.session.flush()
        save_assessment(
            db.session, assessment, user=user, base_version=assessment.version,
            post_edit=translation.text + " edited twice", status="done",
            spans=[SpanData(0, 5, "Accuracy/Mistranslation", "Minor", note="B's note")],
        )  # fmt: skip
        db.session.flush()
    assessment_b = db.session.scalar(
        sa.select(Assessment).where(Assessment.translation_id == translation_b.id)
    )
    flag_b = QaFlag(
        translation_id=translation_b.id, check="numbers", side="target", start=0, end=5,
        message="number mismatch", suggestion="Bravo", category="Accuracy/Mistranslation",
        severity="Minor",
    )  # fmt: skip
    term_b = GlossaryTerm(
        corpus_id=corpus_b.id, source="源", target="source", created_by=users["admin"].id
    )
    db.session.add_all([flag_b, term_b])
    tokens: dict[str, str] = {}
    for role in ("annotator", "researcher", "admin"):
        _, tokens[role] = issue_token(users[role], f"{role} script")
    token_b, tokens["annotator_b"] = issue_token(users["annotator_b"], "B's script")
    db.session.commit()
    revision_b = db.session.scalars(
        sa.select(Revision)
        .where(Revision.assessment_id == assessment_b.id)
        .order_by(Revision.version)
    ).first()
    return World(
        users=users,
        tokens=tokens,
        corpus_a=shared,
        corpus_b=corpus_b,
        doc_a=doc_a,
        doc_b=doc_b,
        segment_b=db.session.get(Segment, translation_b.segment_id),
        translation_a=translation_a,
        translation_b=translation_b,
        campaign_b=campaign_b,
        assessment_b=assessment_b,
        span_b=assessment_b.spans[0],
        revision_b=revision_b,
        flag_b=flag_b,
        term_b=term_b,
        token_b=token_b,
        extra={
            "doc_b2": doc_b2,
            "translation_ab": translation_ab,
            "assessment_b_on_ab": db.session.scalar(
                sa.select(Assessment).where(Assessment.translation_id == translation_ab.id)
            ),
        },
    )


# ---- filling URLs and bodies -------------------------------------------------------


def _objects(world: World) -> dict[str, object]:
    """What each kind of URL variable is filled with: always campaign B's."""
    return {
        "corpus": world.corpus_b.name,
        "corpus_id": world.corpus_b.id,
        "document": world.doc_b.id,
        "segment": world.segment_b.id,
        "position": world.segment_b.position,
        "translation": world.translation_b.id,
        "system": world.translation_b.system,
        "campaign": world.campaign_b.id,
        "assessment": world.assessment_b.id,
        "revision": world.revision_b.id,
        "version": world.revision_b.version,
        "span": world.span_b.id,
        "flag": world.flag_b.id,
        "term": world.term_b.id,
        "token": world.token_b.id,
        "user": world.users["annotator_b"].id,
        "username": world.users["annotator_b"].username,
    }


#: URL variable name → kind of object (see `_objects`).
VARIABLE_KINDS = {
    "corpus_name": "corpus",
    "corpus": "corpus",
    "name": "corpus",
    "corpus_id": "corpus_id",
    "doc_id": "document",
    "document_id": "document",
    "segment_id": "segment",
    "position": "position",
    "translation_id": "translation",
    "system": "system",
    "campaign_id": "campaign",
    "assessment_id": "assessment",
    "revision_id": "revision",
    "version": "version",
    "span_id": "span",
    "flag_id": "flag",
    "term_id": "term",
    "token_id": "token",
    "user_id": "user",
    "username": "username",
}


def fill_url(rule: Rule, access: Access, world: World) -> str:
    objects = _objects(world)
    values: dict[str, object] = {}
    for variable in rule.arguments:
        if variable == "filename" and rule.endpoint in STATIC_FILES:
            values[variable] = STATIC_FILES[rule.endpoint]
            continue
        kind = access.params.get(variable) or VARIABLE_KINDS.get(variable)
        if kind is None:
            pytest.fail(
                f"{rule.endpoint} ({rule.rule}): no object for URL variable <{variable}>; "
                "add it to VARIABLE_KINDS in tests/test_permissions.py or give "
                "params={...} in its tests/security_matrix.py entry"
            )
        values[variable] = objects[kind]
    url = rule.build(values, append_unknown=False)
    assert url is not None
    return url[1]


def body(world: World) -> dict[str, Any]:
    """Every field a save, restore, decision or creation could want, valid."""
    return {
        "base_version": 0,
        "version": world.revision_b.version,
        "status": "done",
        "post_edit": "overwritten by someone else",
        "spans": [],
        "time_spent": 1.0,
        "keystrokes": 1,
        "name": "made-by-matrix",
        "description": "x",
        "corpus": world.corpus_b.name,
        "corpus_id": world.corpus_b.id,
        "annotators": [world.users["annotator"].username],
        "per_segment": 1,
        "mode": "round-robin",
        "translation_id": world.translation_b.id,
        "decision": "confirmed",
        "replacement": "Bravo",
        "apply_to": "all",
    }


def form_body(world: World) -> dict[str, str | list[str]]:
    return {
        key: [str(v) for v in value] if isinstance(value, list) else str(value)
        for key, value in body(world).items()
        if key != "spans"
    }


# ---- identities --------------------------------------------------------------------


def forget_user() -> None:
    """Requests made inside the test's app context share its `g`, where
    Flask-Login caches the current user: forget it before the next identity,
    and end whatever transaction the last request left open."""
    g.pop("_login_user", None)
    db.session.rollback()
    db.session.expire_all()


def token_headers(world: World, identity: str) -> dict[str, str]:
    if identity.startswith("token:"):
        return {"Authorization": f"Bearer {world.tokens[identity.removeprefix('token:')]}"}
    return {}


def client_for(app: Flask, world: World, identity: str) -> tuple[FlaskClient, dict[str, str]]:
    """A client logged in as the identity, and the headers to send."""
    forget_user()
    client = app.test_client()
    if identity == "anonymous" or identity.startswith("token:"):
        return client, token_headers(world, identity)
    response = client.post(
        LOGIN_PATH, data={"username": world.users[identity].username, "password": PASSWORD}
    )
    assert response.status_code == 302, f"login as {identity} failed"
    forget_user()
    return client, {}


def is_login_redirect(response) -> bool:
    return response.status_code in (301, 302, 303, 307, 308) and LOGIN_PATH in response.headers.get(
        "Location", ""
    )


def judge(outcome: str, identity: str, response, method: str = "GET") -> str | None:
    """None when the response matches the expected outcome, else why not.
    An allowed GET must find its object too: a 404 there means the object
    is hidden from someone entitled to it (or the URL was filled wrongly)."""
    status = response.status_code
    if status >= 500:
        return f"server error {status}"
    if outcome == ANY:
        return None
    if outcome == ALLOW:
        refused = (401, 403, 404) if method == "GET" else (401, 403)
        if status in refused or is_login_redirect(response):
            return f"expected access, got {status} {response.headers.get('Location', '')}"
        return None
    if outcome == LOGIN:
        if status == 401 or is_login_redirect(response):
            return None
        return f"expected login required, got {status} {response.headers.get('Location', '')}"
    assert outcome == DENY, outcome
    if status in (401, 403, 404, 405):
        return None
    if identity == "anonymous" and is_login_redirect(response):
        return None
    return f"expected denial, got {status} {response.headers.get('Location', '')}"


def identities(rule: Rule) -> tuple[str, ...]:
    # Admin last: an admin's allowed DELETE or POST may change campaign B.
    if rule.rule.startswith(API_PREFIX):
        return ("anonymous", "annotator", "researcher", *TOKEN_ROLES, "admin")
    return ROLES


@dataclass
class Matrix:
    app: Flask
    world: World
    clients: dict[str, FlaskClient] = field(default_factory=dict)

    def client(self, identity: str, *, fresh: bool = False) -> tuple[FlaskClient, dict[str, str]]:
        """A logged-in client per identity, reused (logging in is most of
        the cost) unless `fresh`: a logout must not end the shared one."""
        forget_user()
        if fresh or identity not in self.clients:
            client, headers = client_for(self.app, self.world, identity)
            if fresh:
                return client, headers
            self.clients[identity] = client
        return self.clients[identity], token_headers(self.world, identity)


@pytest.fixture(scope="module")
def matrix(new_database_url) -> Iterator[Matrix]:
    """One world for the module: every identity but the admin is refused
    everything that could change campaign B, and the admin's allowed
    requests add to it without removing anything, so the cases can share
    it (building it per case made the matrix minutes long)."""

    class MatrixConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = new_database_url()

    app = create_app(MatrixConfig)
    with app.app_context():
        db.create_all()
        try:
            yield Matrix(app, build_world())
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


# ---- tests ------------------------------------------------------------------------


def test_every_endpoint_is_classified() -> None:
    missing = sorted(
        {
            f"{rule.endpoint} {method} {rule.rule}"
            for rule in RULES
            for method in METHODS
            if method in (rule.methods or ()) and expected(rule.endpoint, method) is None
        }
    )
    assert not missing, (
        "endpoints with no expected access in tests/security_matrix.py EXPECTED:\n  "
        + "\n  ".join(missing)
    )


@pytest.mark.parametrize(("rule", "method"), CASES)
def test_permission_matrix(matrix: Matrix, rule: Rule, method: str) -> None:
    access = expected(rule.endpoint, method)
    if access is None:
        pytest.skip("not classified: see test_every_endpoint_is_classified")
    world = matrix.world
    url = fill_url(rule, access, world)
    failures = []
    for identity in identities(rule):
        kwargs: dict[str, Any] = {}
        if method in ("POST", "PUT", "PATCH"):
            kwargs = {"data": form_body(world)} if access.form else {"json": body(world)}
        client, headers = matrix.client(identity, fresh=rule.endpoint == "auth.logout")
        response = client.open(
            url, method=method, headers=headers, query_string=dict(access.query), **kwargs
        )
        response.close()
        forget_user()
        problem = judge(access.outcome(identity), identity, response, method)
        if problem:
            failures.append(f"{identity}: {method} {url}: {problem}")
    assert not failures, "\n".join(failures)


def test_annotator_sees_only_assigned_documents(matrix: Matrix) -> None:
    world = matrix.world
    client, _ = matrix.client("annotator")
    page = client.get("/").get_data(as_text=True)
    assert world.doc_a.name in page
    assert world.doc_b.name not in page
    assert world.extra["doc_b2"].name not in page
    assert not re.search(rf"/annotate/{world.doc_b.id}/\d", page)


def test_annotator_b_work_is_not_in_annotator_a_pages(matrix: Matrix) -> None:
    """A's own segment opens, and shows nothing of B's post-edit or notes."""
    world = matrix.world
    client, _ = matrix.client("annotator")
    page = client.get(f"/annotate/{world.doc_a.id}/1")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Bravo one" not in text
    response = client.post(
        f"/annotate/api/assessments/{world.translation_a.id}",
        json={"base_version": 0, "status": "draft", "post_edit": "A's edit", "spans": []},
    )
    # A's assessment exists at version 3 (two saves): a stale base is a 409,
    # proof that the save reached the version check, i.e. A may save here.
    assert response.status_code == 409


def test_annotator_token_lists_only_assigned_work(matrix: Matrix) -> None:
    """The API's lists hold nothing of campaign B for annotator A."""
    if "api_content.list_corpora" not in matrix.app.view_functions:
        pytest.skip("no token API installed")
    world = matrix.world
    client, headers = matrix.client("token:annotator")
    corpora = client.get(f"{API_PREFIX}/corpora", headers=headers)
    assert corpora.status_code == 200
    listed = corpora.get_data(as_text=True)
    assert world.corpus_a.name in listed
    assert world.corpus_b.name not in listed
    documents = client.get(f"{API_PREFIX}/corpora/{world.corpus_a.id}/documents", headers=headers)
    assert documents.status_code == 200
    listed = documents.get_data(as_text=True)
    assert world.doc_a.name in listed
    assert world.doc_b.name not in listed
    # B's assessments of a translation A can read are not A's to see either.
    own = client.get(
        f"{API_PREFIX}/translations/{world.translation_a.id}/assessments", headers=headers
    )
    assert own.status_code in (200, 403, 404)
    assert "ann-b" not in own.get_data(as_text=True)


def test_fix_everywhere_stops_at_campaign_b(matrix: Matrix) -> None:
    """Annotator A proposing and applying a correction from their own
    segment: B's translations are neither offered nor changed."""
    if "annotate.propagation_apply" not in matrix.app.view_functions:
        pytest.skip("no fix-everywhere endpoints installed")
    world = matrix.world
    client, _ = matrix.client("annotator")
    url = f"/annotate/api/translations/{world.translation_a.id}/propagation"
    candidates = client.get(url, query_string={"wrong": "one", "right": "ONE"})
    assert candidates.status_code == 200
    offered = {c["translation_id"] for c in candidates.get_json()["candidates"]}
    assert world.translation_b.id not in offered
    version_before = world.assessment_b.version
    applied = client.post(
        url,
        json={"wrong": "one", "right": "ONE", "translation_ids": [world.translation_b.id]},
    )
    assert applied.status_code == 200
    assert [r["outcome"] for r in applied.get_json()["results"]] == ["skipped"]
    forget_user()
    assert db.session.get(Assessment, world.assessment_b.id).version == version_before


def test_context_only_segment_of_another_campaign_is_refused(matrix: Matrix) -> None:
    """A meta line of a document of campaign B is no way into B's document."""
    world = matrix.world
    document = Document(corpus=world.corpus_b, name="b-with-meta", title="B-only meta document")
    meta = Segment(
        document=document, position=1, kind="meta", annotatable=False, source="B-only source line"
    )
    meta.translations.append(Translation(system="sys-1", text="B-only MT line"))
    body_segment = Segment(document=document, position=2, kind="body", source="秘密")
    body_segment.translations.append(Translation(system="sys-1", text="B-only body text"))
    db.session.add_all([document, meta, body_segment])
    db.session.commit()
    client, _ = matrix.client("annotator")
    response = client.get(f"/annotate/{document.id}/1")
    page = response.get_data(as_text=True)
    forget_user()
    assert "B-only" not in page
    assert response.status_code in (403, 404)


def test_shared_translation_shows_each_annotator_only_their_own_work(matrix: Matrix) -> None:
    """A translation assigned to A and B: B's post-edit, spans and history
    stay out of A's editor, history page and API answers."""
    world = matrix.world
    translation = world.extra["translation_ab"]
    theirs = world.extra["assessment_b_on_ab"]
    secret = "Delta one. edited twice"
    client, _ = matrix.client("annotator")
    pages = [
        client.get(f"/annotate/{translation.segment.document_id}/1"),
        client.get(f"/annotate/history/{translation.id}"),
        client.get(f"/annotate/history/{translation.id}/panel"),
        client.get(f"/annotate/history/{translation.id}", query_string={"assessment": theirs.id}),
    ]
    forget_user()
    # A may open the segment and its (empty) history; B's history by id: no.
    assert [p.status_code for p in pages[:3]] == [200, 200, 200]
    assert pages[3].status_code in (403, 404)
    for response in pages:
        assert "edited" not in response.get_data(as_text=True)
    if "api_assessments.list_assessments" not in matrix.app.view_functions:
        return
    api_client, headers = matrix.client("token:annotator")
    listed = api_client.get(
        f"{API_PREFIX}/translations/{translation.id}/assessments", headers=headers
    )
    assert listed.status_code == 200
    assert secret not in listed.get_data(as_text=True)
    for path in ("", "/revisions", "/spans"):
        response = api_client.get(f"{API_PREFIX}/assessments/{theirs.id}{path}", headers=headers)
        assert response.status_code in (403, 404), path
    own = api_client.get(f"{API_PREFIX}/translations/{translation.id}/assessment", headers=headers)
    assert own.status_code == 200
    assert secret not in own.get_data(as_text=True)
    forget_user()


@pytest.fixture(scope="module")
def csrf_matrix(new_database_url) -> Iterator[Matrix]:
    """The same world behind an app with CSRF protection on, as served."""

    class CsrfConfig(TestConfig):
        SQLALCHEMY_DATABASE_URI = new_database_url()
        WTF_CSRF_ENABLED = True

    app = create_app(CsrfConfig)
    with app.app_context():
        db.create_all()
        try:
            yield Matrix(app, build_world())
        finally:
            db.session.remove()
            db.drop_all()
            db.engine.dispose()


WRITE_CASES = [
    pytest.param(rule, method, id=f"{rule.endpoint}-{method}")
    for rule in RULES
    for method in ("POST", "PUT", "PATCH", "DELETE")
    if method in (rule.methods or ()) and not rule.rule.startswith(API_PREFIX)
]


@pytest.mark.parametrize(("rule", "method"), WRITE_CASES)
def test_session_writes_need_a_csrf_token(csrf_matrix: Matrix, rule: Rule, method: str) -> None:
    """Every write outside the token API (which reads no cookie) refuses a
    logged-in admin's request that carries no CSRF token, before the view:
    no view was exempted from the protection by mistake."""
    access = expected(rule.endpoint, method)
    if access is None:
        pytest.skip("not classified: see test_every_endpoint_is_classified")
    world = csrf_matrix.world
    url = fill_url(rule, access, world)
    client = csrf_matrix.app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = str(world.users["admin"].id)
        session["_fresh"] = True
    kwargs = {"data": form_body(world)} if access.form else {"json": body(world)}
    response = client.open(url, method=method, **kwargs)
    forget_user()
    assert response.status_code == 400, f"{method} {url}: {response.status_code}"
    assert "CSRF" in response.get_data(as_text=True), f"{method} {url}: not a CSRF refusal"
