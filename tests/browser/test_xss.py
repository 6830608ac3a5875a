"""Stored XSS, in a real Chromium: every payload of tests/data/xss_payloads.txt
stored in every field a user controls (segment source and MT, post-edit,
span notes; corpus, document, system, user, campaign, API token and
imported file names), then the pages that show them visited. Names are
stored many to a page (126 corpora, 126 systems of one segment, …), so a
few pages show every payload in every name field.

A payload that ran would call `__xss(n)`, open a dialog, or load
/xss-marker/n; one that was merely parsed as HTML leaves an element, an
`on…` attribute or a `javascript:` URL in the DOM, or trips the CSP (which
would stop it running, so the DOM is checked too). Shown escaped, each
payload appears literally in the page text. Last, span offsets: a span
marked after `&`, `<b>`, emoji, flags and combining marks is stored at
Python's code-point index.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, Route, expect
from werkzeug.security import generate_password_hash

from app.api.tokens import create_token
from app.assessments import SpanData, get_or_create_assessment, save_assessment
from app.assignment import create_campaign
from app.extensions import db
from app.ingest import import_path
from app.models import (
    Assessment,
    Assignment,
    Campaign,
    Corpus,
    Document,
    ErrorSpan,
    Segment,
    Translation,
    User,
)
from app.scoring import significance
from app.scoring import systems as systems_module
from tests.browser.conftest import LiveServer
from tests.browser.helpers import log_in, select_text

pytestmark = pytest.mark.browser

PAYLOAD_FILE = Path(__file__).resolve().parents[1] / "data" / "xss_payloads.txt"
PASSWORD = "xss-test-pw"
#: Segments an editor page shows on each side of the current one.
RADIUS = 2


def load_payloads() -> list[str]:
    lines = PAYLOAD_FILE.read_text(encoding="utf-8").split("\n")
    return [line for line in lines if line and not line.startswith("# ")]


PAYLOADS = load_payloads()
#: The longest username and API token name the database holds.
USERNAME_LENGTH = 80
TOKEN_NAME_LENGTH = 100
#: Every payload as a username, the three longer ones cut to the column.
USERNAMES = [p[:USERNAME_LENGTH] for p in PAYLOADS]
#: The signed-in admin's own name is a payload too (shown in the nav).
ADMIN_NAME = "<img src=/xss-marker/admin onerror=__xss(0)>"
#: An API token's name, shown on the token page.
TOKEN_NAME = "<svg onload=__xss(9004)> token {{7*7}}"

INIT_SCRIPT = """
window.__xssHits = [];
window.__xss = (n) => { window.__xssHits.push(n); };
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation',
  (e) => window.__cspViolations.push(e.violatedDirective + ' ' + (e.sample || '')));
"""

#: Anything an HTML injection leaves in the DOM, whether or not it ran.
INJECTED_JS = """
() => {
  const found = [];
  const urlAttrs = ['href', 'src', 'action', 'formaction', 'xlink:href', 'data', 'srcdoc',
                    'background', 'poster', 'ping', 'srcset'];
  for (const el of document.querySelectorAll('*')) {
    const tag = el.tagName.toLowerCase();
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase();
      if (name.startsWith('on')) found.push(`${tag}[${name}]`);
      const value = attr.value;
      // A marker URL a payload put there starts the value (or a srcset
      // candidate); the app's own links to a payload-named object (a corpus
      // report) hold it escaped inside their path or query.
      const scheme = /^\\s*(javascript|vbscript|data):/i.test(value);
      if (urlAttrs.includes(name) && (scheme || /(^|[\\s,])\\/?xss-marker/.test(value)))
        found.push(`${tag}[${name}=${value}]`);
    }
    if (['iframe', 'object', 'embed', 'base', 'frameset', 'frame', 'math', 'marquee',
         'isindex', 'keygen', 'xmp'].includes(tag)) found.push(tag);
    if (tag === 'script' && !el.src && el.type !== 'application/json') found.push('inline script');
    if (tag === 'meta' && el.httpEquiv) found.push('meta http-equiv');
  }
  return found;
}
"""


@dataclass
class XssWorld:
    corpus_name: str
    doc_id: int
    doc_name: str
    n_segments: int
    campaign_id: int
    translation_ids: list[int]
    assessment_id: int
    post_edits: dict[int, str]
    #: The annotator whose work on the first segment adjudication shows.
    first_annotator: str
    imported: list[tuple[str, int]] = field(default_factory=list)


def _save(user: User, translation: Translation, post_edit: str, note: str, status: str) -> int:
    assessment = get_or_create_assessment(db.session, translation, user)
    end = min(len(translation.text), 6)
    save_assessment(
        db.session,
        assessment,
        user=user,
        base_version=assessment.version,
        post_edit=post_edit,
        status=status,
        spans=[SpanData(0, end, "Accuracy/Mistranslation", "Major", note=note)],
        time_spent=3.0,
        keystrokes=5,
    )
    db.session.flush()
    return assessment.id


@pytest.fixture(scope="module")
def world(live_server: LiveServer, tmp_path_factory: pytest.TempPathFactory) -> XssWorld:
    n = len(PAYLOADS)
    with live_server.app.app_context():
        admin = User(username=ADMIN_NAME, role="admin")
        admin.password_hash = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1")
        annotators = [User(username=name, role="annotator") for name in USERNAMES]
        corpus = Corpus(name=PAYLOADS[0].replace("/", "|"), source_lang="de", target_lang="en")
        document = Document(corpus=corpus, name=PAYLOADS[1], title=PAYLOADS[2])
        for position, payload in enumerate(PAYLOADS, start=1):
            segment = Segment(position=position, kind="body", source=payload)
            segment.translations.append(Translation(system=PAYLOADS[3], text=payload))
            document.segments.add(segment)
        db.session.add_all([admin, document, *annotators])
        db.session.flush()
        campaign = create_campaign(
            db.session,
            name=PAYLOADS[4],
            description=PAYLOADS[5],
            corpus=corpus,
            annotators=annotators,
            per_segment=2,
            created_by=admin,
        )
        translations = db.session.scalars(
            sa.select(Translation)
            .join(Segment)
            .where(Segment.document_id == document.id)
            .order_by(Segment.position)
        ).all()
        assigned: dict[int, User] = {}
        for translation_id, annotator in db.session.execute(
            sa.select(Assignment.translation_id, User)
            .join(User, User.id == Assignment.annotator_id)
            .where(Assignment.campaign_id == campaign.id)
            .order_by(Assignment.id)
        ):
            assigned.setdefault(translation_id, annotator)
        post_edits = {}
        first_assessment = 0
        for i, translation in enumerate(translations):
            payload = PAYLOADS[i]
            # The admin's own work: what the editor shows back to them.
            post_edits[translation.id] = f"PE {payload}"
            aid = _save(admin, translation, f"PE {payload}", f"note {payload}", "done")
            first_assessment = first_assessment or aid
            # The payload-named annotators' work: what reports and
            # adjudication show, under their names (one annotator a segment).
            annotator = assigned[translation.id]
            _save(annotator, translation, f"PE2 {payload}", f"note2 {payload}", "done")
        create_token(db.session, admin, TOKEN_NAME)
        db.session.commit()

        # Imported files whose names (hence corpus and document names) are
        # payload-ish but legal file names: no "/" and no "." before the end.
        folder = tmp_path_factory.mktemp("imports")
        imported = []
        for stem, number in (
            ("<img src=x onerror=__xss(9001)>&amp;'\"{{7*7}}", 9001),
            ('"><svg onload=__xss(9002)> ${7*7} `x`', 9002),
        ):
            path = folder / f"{stem}.txt"
            path.write_text(f"Imported text {number} & <b>more</b>.\n", encoding="utf-8")
            import_path(db.session, path, source_lang="de", target_lang="en")
            imported.append((stem, number))
        tsv_stem = "<img src=x onerror=__xss(9003)> tsv"
        tsv = folder / f"{tsv_stem}.tsv"
        tsv.write_text(
            "doc_id\tseg_id\tsystem\tsource\ttarget\n"
            f"{PAYLOADS[6]}\t1\t{PAYLOADS[7]}\t{PAYLOADS[8]}\t{PAYLOADS[9]}\n",
            encoding="utf-8",
        )
        import_path(db.session, tsv, source_lang="de", target_lang="en")
        imported.append((tsv_stem, 9003))
        return XssWorld(
            corpus_name=corpus.name,
            doc_id=document.id,
            doc_name=document.name,
            n_segments=n,
            campaign_id=campaign.id,
            translation_ids=[t.id for t in translations],
            assessment_id=first_assessment,
            post_edits=post_edits,
            first_annotator=assigned[translations[0].id].username,
            imported=imported,
        )


@dataclass
class Watch:
    """What the payloads could do on a page: calls, dialogs, marker loads."""

    dialogs: list[str] = field(default_factory=list)
    markers: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def session(live_server: LiveServer, browser, world: XssWorld) -> Iterator[tuple[Page, Watch]]:
    """One signed-in tab for the module: logging in is the slow part."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(INIT_SCRIPT)
    watch = Watch()

    def marker(route: Route) -> None:
        watch.markers.append(route.request.url)
        route.fulfill(status=204, body="")

    context.route("**/xss-marker/**", marker)
    page = context.new_page()

    def dialog(d) -> None:
        watch.dialogs.append(f"{d.type}: {d.message}")
        d.dismiss()

    page.on("dialog", dialog)
    log_in(page, live_server.url, ADMIN_NAME, PASSWORD)
    yield page, watch
    context.close()


@pytest.fixture
def page(session: tuple[Page, Watch]) -> tuple[Page, Watch]:
    page, watch = session
    watch.dialogs.clear()
    watch.markers.clear()
    return page, watch


def check_page(page: Page, watch: Watch, where: str, texts: Iterable[str] = ()) -> str:
    """Nothing ran, nothing was injected, and `texts` show literally;
    returns the page's text."""
    page.wait_for_load_state("load")
    hits = page.evaluate("window.__xssHits")
    csp = page.evaluate("window.__cspViolations")
    injected = page.evaluate(INJECTED_JS)
    body = page.evaluate("document.body.textContent")
    missing = [t for t in texts if t not in body]
    problems = {
        "__xss calls": hits,
        "dialogs": watch.dialogs,
        "marker loads": watch.markers,
        "CSP violations": csp,
        "injected elements/attributes": injected,
        "payloads not shown literally": missing,
    }
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, f"{where}: {problems}"
    return body


def visit(page: Page, live_server: LiveServer, path: str) -> int:
    response = page.goto(live_server.url + path)
    assert response is not None
    return response.status


def test_the_checks_see_an_injection(
    live_server: LiveServer, world: XssWorld, page: tuple[Page, Watch]
) -> None:
    """A page that rendered a payload as HTML fails check_page, even though
    the CSP stops the handler from running."""
    browser_page, watch = page
    visit(browser_page, live_server, "/")
    browser_page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', "
        "'<img src=/xss-marker/1 onerror=__xss(1)><a href=javascript:__xss(2)>x</a>')"
    )
    browser_page.wait_for_timeout(200)
    with pytest.raises(AssertionError) as failed:
        check_page(browser_page, watch, "injected")
    message = str(failed.value)
    for what in ("marker loads", "CSP violations", "img[onerror]", "a[href=javascript:"):
        assert what in message
    watch.markers.clear()


def test_document_list_and_editor_pages_show_payloads_as_text(
    live_server: LiveServer, world: XssWorld, page: tuple[Page, Watch]
) -> None:
    browser_page, watch = page
    assert visit(browser_page, live_server, "/") == 200
    check_page(
        browser_page,
        watch,
        "document list",
        [world.corpus_name, PAYLOADS[2], *(stem for stem, _ in world.imported), PAYLOADS[6]],
    )
    # Each page shows its segment and RADIUS neighbours each side: walk
    # every (2·RADIUS+1)-th position so every MT is rendered once.
    for position in range(RADIUS + 1, world.n_segments + RADIUS + 1, 2 * RADIUS + 1):
        position = min(position, world.n_segments)
        url = f"/annotate/{world.doc_id}/{position}"
        assert visit(browser_page, live_server, url) == 200, url
        shown = PAYLOADS[max(0, position - 1 - RADIUS) : position + RADIUS]
        translation_id = world.translation_ids[position - 1]
        check_page(browser_page, watch, url, [*shown, f"note {PAYLOADS[position - 1]}"])
        expect(browser_page.locator("#post-edit")).to_have_value(world.post_edits[translation_id])
        expect(browser_page.locator("#mt")).to_have_text(PAYLOADS[position - 1])


def test_span_dialog_with_payloads(
    live_server: LiveServer, world: XssWorld, page: tuple[Page, Watch]
) -> None:
    browser_page, watch = page
    for position in (3, 52, 71, 86):
        url = f"/annotate/{world.doc_id}/{position}"
        visit(browser_page, live_server, url)
        payload = PAYLOADS[position - 1]
        select_text(browser_page, "#mt", payload[-8:])
        browser_page.get_by_role("button", name="Mark error").click()
        expect(browser_page.locator("#selection-info")).to_contain_text(payload[-8:])
        browser_page.locator("#span-note").fill(PAYLOADS[position])
        check_page(browser_page, watch, f"span dialog on {url}", [payload])
        browser_page.keyboard.press("Escape")


def shown(world: XssWorld) -> dict[str, list[str]]:
    """Payloads some pages must show (as text) when they exist."""
    return {
        "annotate.index": [PAYLOADS[0].replace("/", "|"), PAYLOADS[1]],
        "annotate.history": [f"PE {PAYLOADS[0]}", ADMIN_NAME],
        "reports.index": [PAYLOADS[0].replace("/", "|")],
        "reports.systems": [PAYLOADS[3]],
        "reports.charts": USERNAMES,
        "campaigns.index": [PAYLOADS[4]],
        "campaigns.show": [PAYLOADS[4], PAYLOADS[5], *USERNAMES],
        "campaigns.adjudication_list": [PAYLOADS[4]],
        "campaigns.adjudicate": [PAYLOADS[0], world.first_annotator, f"PE2 {PAYLOADS[0]}"],
        "tokens.index": [TOKEN_NAME],
    }


def _fill(rule, world: XssWorld) -> str | None:
    values = {
        "corpus_name": world.corpus_name,
        "doc_id": world.doc_id,
        "document_id": world.doc_id,
        "position": 3,
        "translation_id": world.translation_ids[0],
        "campaign_id": world.campaign_id,
        "assessment_id": world.assessment_id,
    }
    if not set(rule.arguments) <= set(values):
        return None
    built = rule.build({k: values[k] for k in rule.arguments}, append_unknown=False)
    return built[1] if built else None


def test_every_page_with_payload_data(
    live_server: LiveServer, world: XssWorld, page: tuple[Page, Watch]
) -> None:
    """Reports, charts, QA, campaigns, adjudication, history: every HTML
    page the admin can GET with the payload corpus's objects in its URL."""
    browser_page, watch = page
    expected = shown(world)
    visited = []
    for rule in sorted(live_server.app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in (rule.methods or ()) or rule.endpoint.endswith("static"):
            continue
        if rule.rule.startswith(("/api/", "/auth/")) or rule.endpoint == "annotate.segment":
            continue
        path = _fill(rule, world)
        if path is None:
            continue
        status = visit(browser_page, live_server, path)
        assert status < 500, f"{path}: {status}"
        check_page(browser_page, watch, path, expected.get(rule.endpoint, []))
        visited.append(rule.endpoint)
    assert "reports.corpus" in visited
    # The corpus report lists every finished segment, 50 a page, with the
    # annotators' names in the progress and agreement tables when present.
    for number in (1, 2, 3):
        path = f"/reports/{quote(world.corpus_name)}?page={number}"
        assert visit(browser_page, live_server, path) == 200, path
        start = (number - 1) * 50
        check_page(browser_page, watch, path, PAYLOADS[start : start + 50])


def test_payload_files_import_as_text(
    live_server: LiveServer, world: XssWorld, page: tuple[Page, Watch]
) -> None:
    browser_page, watch = page
    with live_server.app.app_context():
        documents = {
            corpus: doc_id
            for corpus, doc_id in db.session.execute(
                sa.select(Corpus.name, Document.id).join(Document)
            )
        }
    for stem, _ in world.imported:
        assert stem in documents, f"no corpus named after the file {stem!r}"
        visit(browser_page, live_server, f"/annotate/{documents[stem]}/1")
        check_page(browser_page, watch, f"imported {stem}", [stem])
        visit(browser_page, live_server, f"/reports/{quote(stem)}")
        check_page(browser_page, watch, f"report of {stem}", [stem])


# ---- names -----------------------------------------------------------------------

#: "/" cannot be in a file name; the look-alike keeps the markup around it.
FILE_SLASH = "\u2215"


def file_stem(payload: str) -> str:
    """The file name a payload is imported from, without ".txt"."""
    return payload.replace("/", FILE_SLASH)


def shown_file_name(payload: str) -> str:
    """What the app names the document of that file: up to the first dot."""
    return file_stem(payload).split(".", 1)[0]


@dataclass
class Names:
    """Every payload as a corpus, document, system, campaign, username
    (the world's annotators), token and imported file name."""

    systems_corpus: str
    systems_doc_id: int


@pytest.fixture(scope="module")
def names(
    live_server: LiveServer, world: XssWorld, tmp_path_factory: pytest.TempPathFactory
) -> Names:
    with live_server.app.app_context():
        admin = db.session.scalars(sa.select(User).where(User.username == ADMIN_NAME)).one()
        annotators = {
            user.username: user
            for user in db.session.scalars(sa.select(User).where(User.role == "annotator"))
        }
        # A corpus per payload, its one document named the same; a campaign
        # per payload on it (the world's campaign already has PAYLOADS[4]).
        taken = db.session.scalar(sa.select(Campaign.name).where(Campaign.id == world.campaign_id))
        corpora = []
        for i, payload in enumerate(PAYLOADS):
            corpus = Corpus(name=payload, source_lang="de", target_lang="en")
            document = Document(corpus=corpus, name=payload)
            segment = Segment(position=1, kind="body", source=f"Quelle {i}")
            segment.translations.append(Translation(system="mt", text=f"Text {i}"))
            document.segments.add(segment)
            db.session.add(document)
            corpora.append(corpus)
        db.session.flush()
        for corpus, username in zip(corpora, USERNAMES, strict=True):
            if corpus.name.strip() != taken:
                create_campaign(
                    db.session,
                    name=corpus.name,
                    corpus=corpus,
                    annotators=[annotators[username]],
                    created_by=admin,
                )
        # Every payload as a system: one segment translated by all of them,
        # each translation finished, so system tables and charts list them.
        systems_corpus = Corpus(name="systems", source_lang="de", target_lang="en")
        document = Document(corpus=systems_corpus, name="systems")
        segment = Segment(position=1, kind="body", source="Quelle")
        for payload in PAYLOADS:
            segment.translations.append(Translation(system=payload, text="The same text."))
        document.segments.add(segment)
        db.session.add(document)
        db.session.flush()
        for translation in segment.translations:
            _save(admin, translation, "The same text!", "", "done")
        for payload in PAYLOADS:
            create_token(db.session, admin, payload.strip()[:TOKEN_NAME_LENGTH])
        db.session.commit()
        # Every payload as a file name, one directory imported as a corpus.
        folder = tmp_path_factory.mktemp("names") / "files"
        folder.mkdir()
        for i, payload in enumerate(PAYLOADS):
            (folder / f"{file_stem(payload)}.txt").write_text(f"File {i}.\n", encoding="utf-8")
        report = import_path(db.session, folder, corpus_name="files", target_lang="en")
        assert len(report.files) == len(PAYLOADS), report.skipped
        return Names(systems_corpus=systems_corpus.name, systems_doc_id=document.id)


def texts_in(page: Page, selector: str) -> str:
    return "\n".join(page.locator(selector).all_text_contents())


def missing(text: str, expected: Iterable[str]) -> list[str]:
    return [name for name in expected if name not in text]


def test_every_name_is_shown_as_text(
    live_server: LiveServer, world: XssWorld, names: Names, page: tuple[Page, Watch]
) -> None:
    """Each page that lists corpora, documents, systems, campaigns,
    annotators or tokens shows every payload-named one as text, where that
    kind of name goes (a corpus and its document share a name)."""
    browser_page, watch = page
    files = [shown_file_name(p) for p in PAYLOADS]
    # The document list, 50 documents a page: follow it to the end.
    corpora, documents, path = [], [], "/"
    while path:
        assert visit(browser_page, live_server, path) == 200, path
        check_page(browser_page, watch, path)
        corpora.append(texts_in(browser_page, ".corpus-header h2"))
        documents.append(texts_in(browser_page, ".doc-title, .doc-name"))
        link = browser_page.locator("a[rel=next]")
        path = link.get_attribute("href") if link.count() else ""
    assert not missing("\n".join(corpora), PAYLOADS), "corpus names on the document list"
    assert not missing("\n".join(documents), [*PAYLOADS, *files]), "document names"

    pages: dict[str, dict[str, list[str]]] = {
        "/reports/": {".corpus-list tbody a": PAYLOADS},
        "/campaigns/new": {
            "#corpus option": PAYLOADS,
            "#documents option": [*PAYLOADS, *files],
            "#systems option": PAYLOADS,
            "#annotators option": USERNAMES,
        },
        "/campaigns/": {".campaign-row .doc-title": [p.strip() for p in PAYLOADS]},
        f"/campaigns/{world.campaign_id}": {".annotator-row th": USERNAMES},
        f"/reports/{quote(world.corpus_name)}/charts": {"#chart-progress": USERNAMES},
        f"/annotate/{names.systems_doc_id}/1": {".system-switch a": PAYLOADS},
        f"/reports/{names.systems_corpus}": {"table.systems tbody th": PAYLOADS},
        f"/reports/{names.systems_corpus}/systems": {"#system-table tbody": PAYLOADS},
        f"/reports/{names.systems_corpus}/charts": {"#chart-systems": PAYLOADS},
        "/tokens/": {"table.doc-table tbody": [p.strip()[:TOKEN_NAME_LENGTH] for p in PAYLOADS]},
    }
    with pytest.MonkeyPatch.context() as patch:
        # The system table bootstraps every system against the baseline,
        # 1000 resamples each (13 s for 126 systems); the names it shows do
        # not depend on how many.
        quick = partial(systems_module.metric_paired_bootstrap, n_samples=20)
        patch.setattr(systems_module, "metric_paired_bootstrap", quick)
        patch.setattr(significance, "N_BOOTSTRAP", 20)
        for path, places in pages.items():
            assert visit(browser_page, live_server, path) == 200, path
            check_page(browser_page, watch, path)
            for selector, expected in places.items():
                absent = missing(texts_in(browser_page, selector), expected)
                assert not absent, f"{path} {selector}: {len(absent)} missing, e.g. {absent[:3]}"


# ---- offsets ---------------------------------------------------------------------

OFFSETS_MT = (
    "Tom & Jerry <b>bold</b> &amp; 😀 smile, family 👩‍👩‍👧 here, flag 🇨🇳 China, "
    "cafe\u0301 latte, नमस्ते दुनिया, TARGET words end."
)
#: Texts to mark, each found after the tricky characters before it.
MARKED = ("Jerry", "bold", "smile", "👩‍👩‍👧", "China", "cafe\u0301", "दुनिया", "TARGET")


def test_span_offsets_after_entities_tags_emoji_and_combining_marks(
    live_server: LiveServer, world: XssWorld, page: tuple[Page, Watch]
) -> None:
    browser_page, watch = page
    with live_server.app.app_context():
        corpus = db.session.scalar(sa.select(Corpus).where(Corpus.name == world.corpus_name))
        document = Document(corpus=corpus, name="offsets", title="Offsets")
        segment = Segment(position=1, kind="body", source="Quelle")
        segment.translations.append(Translation(system="mt", text=OFFSETS_MT))
        document.segments.add(segment)
        db.session.add(document)
        db.session.commit()
        doc_id, translation_id = document.id, segment.translations[0].id
    visit(browser_page, live_server, f"/annotate/{doc_id}/1")
    expect(browser_page.locator("#mt")).to_have_text(OFFSETS_MT)
    for text in MARKED:
        select_text(browser_page, "#mt", text)
        browser_page.get_by_role("button", name="Mark error").click()
        for key in ("1", "3", "3", "Enter"):
            browser_page.keyboard.press(key)
    expect(browser_page.locator("#mt mark")).to_have_count(len(MARKED))
    browser_page.keyboard.press("Control+s")
    expect(browser_page.locator("#save-status")).to_contain_text("Saved version")
    check_page(browser_page, watch, "offsets segment", [OFFSETS_MT])
    with live_server.app.app_context():
        stored = db.session.execute(
            sa.select(ErrorSpan.start, ErrorSpan.end)
            .join(Assessment)
            .join(User)
            .where(Assessment.translation_id == translation_id, User.username == ADMIN_NAME)
            .order_by(ErrorSpan.start)
        ).all()
    expected = sorted((OFFSETS_MT.index(t), OFFSETS_MT.index(t) + len(t)) for t in MARKED)
    assert [tuple(row) for row in stored] == expected
    assert [OFFSETS_MT[s:e] for s, e in expected] == sorted(MARKED, key=OFFSETS_MT.index)
    # The marks read back in the browser cover the same text.
    for text in MARKED:
        expect(browser_page.locator("#mt mark", has_text=text).first).to_be_visible()
