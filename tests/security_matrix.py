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
    variables such as `id`, which kind of object fills them.
    """

    anonymous: str
    annotator: str
    researcher: str
    admin: str
    tokens: Mapping[str, str] = field(default_factory=dict)
    form: bool = False
    params: Mapping[str, str] = field(default_factory=dict)

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

#: Keyed by endpoint name; "endpoint METHOD" overrides for one method.
EXPECTED: dict[str, Access] = {
    "static": PUBLIC,
    # The reports blueprint's before_request refuses annotators even its CSS
    # (harmless: they have no report page to style).
    "reports.static": access(ALLOW, DENY, ALLOW, ALLOW),
    "auth.login": PUBLIC,
    "auth.logout": access(ANY, ANY, ANY, ANY),
    "annotate.index": LOGGED_IN,
    "annotate.segment": ANNOTATE_B,
    "annotate.save": ANNOTATE_B,
    "reports.index": RESULTS,
    "reports.corpus": RESULTS,
    "reports.systems": RESULTS,
    "reports.scores_json": RESULTS,
}

#: Files the static endpoints are asked for.
STATIC_FILES: Final = {"static": "favicon.svg", "reports.static": "reports.css"}


def expected(endpoint: str, method: str) -> Access | None:
    return EXPECTED.get(f"{endpoint} {method}") or EXPECTED.get(endpoint)
