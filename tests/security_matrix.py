"""Who may reach which endpoint: the table the permission matrix test checks.

Every endpoint of `app.url_map` must have an entry here, so a new view is
classified by whoever adds it (tests/test_permissions.py fails listing the
missing ones). The objects in the URLs always belong to *campaign B*, which
annotator A has no part in; so for the annotator, "allow" means the view is
about something that is not campaign-bound (the document list, their own
tokens), never about B's work.

Outcomes:
- ALLOW: not 401/403, not a redirect to the login page, never 5xx;
- DENY: 401, 403, 404 or 405 (or, for anonymous, a redirect to login); never
  2xx, never another redirect, never 5xx;
- LOGIN: anonymous only: a redirect to the login page (HTML) or 401 (JSON);
- ANY: anything but a server error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

ALLOW: Final = "allow"
DENY: Final = "deny"
LOGIN: Final = "login"
#: Anything but a server error (logging out: a redirect either way).
ANY: Final = "any"

ROLES: Final = ("anonymous", "annotator", "researcher", "admin")
#: Bearer tokens, tried on the token API (/api/v1) only.
TOKEN_ROLES: Final = ("token:annotator", "token:researcher", "token:admin")


@dataclass(frozen=True)
class Access:
    """Expected outcome per identity for one endpoint (or endpoint + method).

    `tokens` gives the outcome for bearer tokens of each role; by default a
    token of a role is treated like a session of that role. `form` sends the
    body as form fields instead of JSON. `params` names, for ambiguous URL
    variables such as `id`, which kind of object fills them; `query` is sent
    as the query string (required arguments, so validation does not answer
    before the access check).
    """

    anonymous: str
    annotator: str
    researcher: str
    admin: str
    tokens: Mapping[str, str] = field(default_factory=dict)
    form: bool = False
    params: Mapping[str, str] = field(default_factory=dict)
    query: Mapping[str, str] = field(default_factory=dict)

    def outcome(self, identity: str) -> str:
        if identity.startswith("token:"):
            role = identity.removeprefix("token:")
            return self.tokens.get(role, getattr(self, role))
        return getattr(self, identity)


def access(
    anonymous: str,
    annotator: str,
    researcher: str,
    admin: str,
    **options: object,
) -> Access:
    return Access(anonymous, annotator, researcher, admin, **options)  # type: ignore[arg-type]


PUBLIC: Final = access(ALLOW, ALLOW, ALLOW, ALLOW)
#: Any logged-in user, e.g. their own document list.
LOGGED_IN: Final = access(LOGIN, ALLOW, ALLOW, ALLOW)
#: Reports and other results: researchers and admins.
RESULTS: Final = access(LOGIN, DENY, ALLOW, ALLOW)
#: Annotating campaign B's work: only the admin (A is not assigned, a
#: researcher annotates nothing).
ANNOTATE_B: Final = access(LOGIN, DENY, DENY, ALLOW)
#: Administration.
ADMIN_ONLY: Final = access(LOGIN, DENY, DENY, ALLOW)


def api(annotator: str, researcher: str, admin: str, **options: object) -> Access:
    """The token API reads only `Authorization: Bearer`, never the session
    cookie (no CSRF exposure): every session identity is refused; tokens
    get the access of their owner's role."""
    tokens = {"annotator": annotator, "researcher": researcher, "admin": admin}
    return access(LOGIN, DENY, DENY, DENY, tokens=tokens, **options)


#: Reading results through the API: researchers and admins, not annotator A.
API_RESULTS: Final = api(DENY, ALLOW, ALLOW)

#: Keyed by endpoint name; "endpoint METHOD" overrides for one method.
EXPECTED: dict[str, Access] = {
    "static": PUBLIC,
    "reports.static": PUBLIC,
    "campaigns.static": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": access(ANY, ANY, ANY, ANY),
    # -- the annotator's pages: their own list; B's segments only for the admin
    "annotate.index": LOGGED_IN,
    "annotate.segment": ANNOTATE_B,
    "annotate.save": ANNOTATE_B,
    "annotate.history": ANNOTATE_B,
    "annotate.history_panel": ANNOTATE_B,
    "annotate.restore": access(LOGIN, DENY, DENY, ALLOW, form=True),
    "annotate.flags": ANNOTATE_B,
    "annotate.decide_flag": ANNOTATE_B,
    "annotate.propagation_candidates": ANNOTATE_B,
    "annotate.propagation_apply": ANNOTATE_B,
    # -- results
    "reports.index": RESULTS,
    "reports.corpus": RESULTS,
    "reports.systems": RESULTS,
    "reports.scores_json": RESULTS,
    "reports.charts": RESULTS,
    "reports.charts_json": RESULTS,
    "reports.qa": RESULTS,
    # -- campaigns and adjudication: admin only
    "campaigns.index": ADMIN_ONLY,
    "campaigns.new": access(LOGIN, DENY, DENY, ALLOW, form=True),
    "campaigns.show": ADMIN_ONLY,
    "campaigns.adjudication_list": ADMIN_ONLY,
    "campaigns.adjudicate": ADMIN_ONLY,
    "campaigns.save": access(LOGIN, DENY, DENY, ALLOW, form=True),
    # -- API tokens: everyone manages their own; B's token is nobody else's
    "tokens.index": LOGGED_IN,
    "tokens.create": access(LOGIN, ALLOW, ALLOW, ALLOW, form=True),
    "tokens.revoke": access(LOGIN, DENY, DENY, DENY, form=True),
    # -- the token API (/api/v1); URLs name campaign B's objects
    "api-docs.openapi_json": PUBLIC,
    "api_content.list_corpora": api(ALLOW, ALLOW, ALLOW),
    "api_content.get_corpus": API_RESULTS,
    "api_content.list_documents": API_RESULTS,
    "api_content.get_document": API_RESULTS,
    "api_content.list_segments": API_RESULTS,
    "api_content.get_segment": API_RESULTS,
    "api_content.get_translation": API_RESULTS,
    "api_assessments.get_assessment": API_RESULTS,
    "api_assessments.list_assessments": API_RESULTS,
    "api_assessments.list_revisions": API_RESULTS,
    "api_assessments.list_spans": API_RESULTS,
    # Their own assessment of B's translation: a researcher reads it (version
    # 0, the MT) but may not write one.
    "api_assessments.get_own_assessment": API_RESULTS,
    "api_assessments.put_own_assessment": api(DENY, DENY, ALLOW),
    "api_results.corpus_scores": API_RESULTS,
    "api_results.corpus_export": api(DENY, ALLOW, ALLOW, query={"format": "jsonl"}),
}

#: Files the static endpoints are asked for.
STATIC_FILES: Final = {
    "static": "favicon.svg",
    "reports.static": "reports.css",
    "campaigns.static": "campaigns.css",
}


def expected(endpoint: str, method: str) -> Access | None:
    return EXPECTED.get(f"{endpoint} {method}") or EXPECTED.get(endpoint)
