"""Every page, as every role that may see it, on a phone (390 px) and a desk (1280 px), in
Indonesian and English, in Debian's Chromium: a full-page screenshot of each (to
$SNICERT_SHOTS_DIR, else the test's tmp dir), axe-core on each (0 critical or serious
violations), and the visible text free of internal names: snake_case codes, event codes,
raw ids, English on the Indonesian pages, staff e-mail addresses on the applicant's pages.
The pages come from the app's own routes: a GET route neither visited here nor skipped
with a reason fails the test, so a new page cannot be forgotten."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from tests.test_browser import CHROMIUM, PASSWORD, browser, site  # noqa: F401
from tests.walk_world import OWNER, Seeded, seed

ROOT = Path(__file__).resolve().parents[1]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"390": {"width": 390, "height": 844}, "1280": {"width": 1280, "height": 900}}
LANGS = ("id", "en")
# role -> the e-mail it signs in with (None: nobody signed in)
ROLES: dict[str, str | None] = {
    "anonymous": None,
    "applicant": f"{OWNER}@umkm.example",
    "official": "reviewer@lspro.example",
    "sampler": "sampler@lspro.example",
    "lab_analyst": "analyst@lspro.example",
    "lab_verifier": "verifier@lspro.example",
    "auditor": "auditor@lspro.example",
}

Urls = Callable[[Seeded], list[str]]


def _app(*states: str) -> Urls:
    return lambda w: [f"/applications/{w.apps[x]}" for x in states]


# route -> the URLs that show it with content (every role is tried on each)
PAGES: dict[str, Urls] = {
    "/": lambda w: ["/"],
    "/login": lambda w: ["/login"],
    "/register": lambda w: ["/register"],
    "/me": lambda w: ["/me"],
    "/directory": lambda w: ["/directory"],
    "/verify/{number}": lambda w: [f"/verify/{w.ids['number']}"],
    "/applications/new": lambda w: ["/applications/new"],
    "/applications/{app_id}": lambda w: [f"/applications/{i}" for i in w.apps.values()],
    "/applications/{app_id}/withdraw": lambda w: [f"/applications/{w.apps['draft']}/withdraw"],
    "/applications/{app_id}/quotation": lambda w: [f"/applications/{w.apps['payment']}/quotation"],
    "/applications/{app_id}/survey": lambda w: [f"/applications/{w.apps['certified']}/survey"],
    "/applications/{app_id}/changes": lambda w: [f"/applications/{w.apps['certified']}/changes"],
    "/documents/{doc_id}/view": lambda w: [f"/documents/{w.ids['document']}/view"],
    "/sampling": lambda w: ["/sampling"],
    "/lab": lambda w: ["/lab"],
    "/lab/applications/{app_id}": lambda w: [f"/lab/applications/{w.apps['testing']}"],
    "/lab/surveillance/{case_id}": lambda w: [f"/lab/surveillance/{w.ids['surveillance']}"],
    "/lab/verify": lambda w: ["/lab/verify"],
    "/dashboard": lambda w: ["/dashboard"],
    "/official/applications": lambda w: [
        "/official/applications",
        "/official/applications?product=abon&q=APP",
    ],
    "/review/{app_id}": lambda w: [
        f"/review/{w.apps['document_review']}",
        f"/review/{w.apps['nonconformity']}",
    ],
    "/evaluation/{app_id}": lambda w: [f"/evaluation/{w.apps['evaluation']}"],
    "/decision/{app_id}": lambda w: [f"/decision/{w.apps['decision']}"],
    "/certificates/{cert_id}": lambda w: [f"/certificates/{w.ids['certificate']}"],
    "/management-review": lambda w: ["/management-review"],
    "/exports": lambda w: ["/exports"],
    "/admin/users": lambda w: ["/admin/users"],
    "/admin/checklists": lambda w: ["/admin/checklists"],
    "/account/password": lambda w: ["/account/password"],
    "/notifications": lambda w: ["/notifications"],
    "/notifications/preferences": lambda w: ["/notifications/preferences"],
    "/admin/deliveries": lambda w: ["/admin/deliveries"],
    "/audits": lambda w: ["/audits"],
    "/audits/{audit_id}": lambda w: [f"/audits/{w.ids['audit']}"],
    "/site-audit/{app_id}": lambda w: [f"/site-audit/{w.apps['site_audit']}"],
    "/skm": lambda w: ["/skm"],
    "/complaints/new": lambda w: ["/complaints/new"],
    "/complaints/{code}": lambda w: [f"/complaints/{w.ids['tracking']}"],
    "/official/complaints": lambda w: ["/official/complaints"],
    "/official/complaints/{cid}": lambda w: [f"/official/complaints/{w.ids['complaint']}"],
    "/official/appeals/{aid}": lambda w: [f"/official/appeals/{w.ids['appeal']}"],
    "/official/payments": lambda w: ["/official/payments"],
    "/official/payments/{app_id}": lambda w: [f"/official/payments/{w.apps['payment_check']}"],
    "/official/changes": lambda w: ["/official/changes"],
    "/official/changes/{change_id}": lambda w: [f"/official/changes/{w.ids['change']}"],
    "/official/versions": lambda w: ["/official/versions"],
    "/surveillance": lambda w: ["/surveillance"],
    "/surveillance/{case_id}": lambda w: [f"/surveillance/{w.ids['surveillance']}"],
    "/me/conflicts": lambda w: ["/me/conflicts"],
    "/admin/impartiality": lambda w: ["/admin/impartiality"],
}
# the error pages a browser meets, for everyone
ERRORS = ["/halaman-yang-tidak-ada", "/verify/SNI-TIDAK-ADA"]
# GET routes that are not pages a person reads, and why
SKIPPED: dict[str, str] = {
    "/verify": "a redirect to /verify/{number} (the search form's target)",
    "/healthz": "JSON for the monitoring",
    "/api/docs": "Swagger UI, for developers, in English by design",
    "/applications/{app_id}/test-report.pdf": "a PDF download",
    "/applications/{app_id}/evaluation-report": "a PDF download (the evaluation summary)",
    "/applications/{app_id}/certificate.{fmt}": "a PDF or JSON download",
    "/applications/{app_id}/quotation.pdf": "a PDF download",
    "/applications/{app_id}/invoice.pdf": "a PDF download",
    "/documents/{doc_id}": "a file download",
    "/documents/{doc_id}/inline": "the file itself, shown inside /documents/{doc_id}/view",
    "/sampling/{app_id}/labels.pdf": "a PDF download",
    "/samples/{sample_id}/label.png": "an image download",
    "/evaluation/{app_id}/report.pdf": "a PDF download",
    "/management-review/file.{fmt}": "a PDF or spreadsheet download",
    "/audits/{audit_id}/report.{fmt}": "a PDF download",
    "/audit-evidence/{evidence_id}": "a file download",
    "/payment-proofs/{proof_id}": "a file download",
    "/change-documents/{doc_id}": "a file download",
}


def get_routes(app) -> Iterator[str]:
    """Every GET route's path (routers included, however deep), but the JSON API's."""

    def walk(routes, prefix: str = "") -> Iterator[str]:
        for r in routes:
            if hasattr(r, "original_router"):  # FastAPI keeps included routers nested
                yield from walk(r.original_router.routes, prefix + r.include_context.prefix)
            elif isinstance(r, APIRoute) and "GET" in r.methods:
                yield prefix + r.path

    return (p for p in walk(app.routes) if not p.startswith("/api/v1/"))


# --- what must not be visible ----------------------------------------------------------

FILE_NAME = re.compile(r"\S+\.(?:pdf|png|jpe?g|webp|csv|xlsx|json|zip|txt)\b", re.I)
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
EVENT = re.compile(r"\b[a-z]+(?:_[a-z]+)*\.[a-z]+(?:_[a-z]+)*\b")
# abbreviations people write: "s.d." (sampai dengan), "e.g."
ABBREVIATIONS = re.compile(r"\b(?:s\.d|e\.g|i\.e|u\.p)\.", re.I)
RAW_ID = re.compile(r"#\d+")
# words an Indonesian sentence does not contain; one of them on an id page is English
ENGLISH = frozenset(
    re.findall(
        r"\w+",
        "the and with your you please must should not has have been this that from will are "
        "is of for to be which when what were was by on at an or",
    )
)


def leaks(text: str, role: str, lang: str, own_email: str | None) -> list[str]:
    """Internal names and foreign words in a page's visible text."""
    found = []
    emails = set(EMAIL.findall(text))
    if role == "applicant":
        found += [f"someone else's e-mail {e!r}" for e in sorted(emails - {own_email})]
    rest = ABBREVIATIONS.sub(" ", EMAIL.sub(" ", FILE_NAME.sub(" ", text)))
    found += [f"code {m!r}" for m in sorted(set(SNAKE.findall(rest)))]
    found += [f"event code {m!r}" for m in sorted(set(EVENT.findall(rest)))]
    found += [f"raw id {m!r}" for m in sorted(set(RAW_ID.findall(rest)))]
    if lang == "id":
        words = {w for w in re.findall(r"[A-Za-z]+", rest) if w.lower() in ENGLISH}
        found += [f"English {w!r}" for w in sorted(words)]
    return found


# Problems the walk finds that are known and owned elsewhere (another branch is on the page,
# or the words are data to translate): (pattern of the problem line, why it waits). Each
# must still occur, so an entry goes when its problem does.
KNOWN: list[tuple[str, str]] = []


def waived(problems: list[str]) -> tuple[list[str], list[str]]:
    """The problems no KNOWN entry covers, and the KNOWN patterns that matched nothing."""
    left = [p for p in problems if not any(re.search(k, p) for k, _ in KNOWN)]
    unused = [k for k, _ in KNOWN if not any(re.search(k, p) for p in problems)]
    return left, unused


# --- the walk --------------------------------------------------------------------------


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core as package-lock.json pins it; installed with `npm ci` when missing."""
    if not AXE.exists():
        subprocess.run(["make", "node_modules/.package-lock.json"], cwd=ROOT, check=True)
    return AXE.read_text()


def shots_dir(tmp_path: Path) -> Path:
    out = Path(os.environ.get("SNICERT_SHOTS_DIR") or tmp_path / "shots")
    out.mkdir(parents=True, exist_ok=True)
    return out


def slug(url: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", url.lower()).strip("-") or "home"


def signed_in_state(browser, site: str, email: str | None):  # noqa: F811
    """Cookies of a session of `email` (signed in through the form), for new contexts."""
    context = browser.new_context()
    if email:
        page = context.new_page()
        page.goto(f"{site}/login")
        page.fill("#email", email)
        page.fill("#password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_url(lambda url: "/login" not in url)
    state = context.storage_state()
    context.close()
    return state


def reachable(context, base: str, urls: list[str]) -> tuple[list[str], list[str], list[str]]:
    """The URLs this session may see (200), those it is refused (403/404/to sign-in), and
    what went wrong on the others (a 500)."""
    ok, refused, broken = [], [], []
    for url in urls:
        for attempt in range(3):  # a kept-alive connection the server just closed
            try:
                r = context.request.get(base + url, max_redirects=0)
                break
            except Exception:
                if attempt == 2:
                    raise
        if r.status == 200:
            ok.append(url)
        elif r.status in (303, 307, 403, 404):
            refused.append(url)
        else:
            broken.append(f"{url}: HTTP {r.status}")
    return ok, refused, broken


AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.filter(v => v.impact === 'critical' || v.impact === 'serious')
    .map(v => ({rule: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' — ' +
                       (n.failureSummary || '').split('\\n').slice(1, 2).join(''))}));
}"""
# the visible text, but what is declared to be in another language (a lab method written in
# English in the checklist, <span lang="en">): that is not the page's own wording
VISIBLE_TEXT = """() => {
  const other = [...document.querySelectorAll('body [lang]')]
    .filter(el => el.lang !== document.documentElement.lang);
  other.forEach(el => el.dataset.walkHidden = el.style.display);
  other.forEach(el => el.style.display = 'none');
  const text = document.body.innerText;
  other.forEach(el => el.style.display = el.dataset.walkHidden);
  return text;
}"""
LAYOUT = """() => {
  const out = [];
  const d = document.documentElement;
  if (d.scrollWidth > d.clientWidth + 1) out.push(`page wider than the screen: ${d.scrollWidth}`);
  const fields = 'input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select';
  for (const el of document.querySelectorAll(fields)) {
    const h = Math.round(el.getBoundingClientRect().height);
    if (h > 64) out.push(`${el.tagName.toLowerCase()} ${el.id || el.name} is ${h} px tall`);
  }
  return out;
}"""


# The walk's cost is in axe-core (~0.9 s a page) and full-page screenshots (~0.25 s), so:
# axe runs on the public's pages (anonymous, applicant) on a phone in Indonesian and on a
# desk in English, on the staff's at a desk in Indonesian (what it checks, contrast, names,
# landmarks, the page's language, hardly differs between the renderings of one page).
AXE_ON = {
    "anonymous": {("390", "id"), ("1280", "en")},
    "applicant": {("390", "id"), ("1280", "en")},
}
AXE_STAFF = {("1280", "id")}
# staff see many cases through the same templates: two of a route's URLs are enough; the
# public pages (which anonymous visitors see) only as anonymous and as the applicant: other
# roles' header is checked on their own pages
STAFF_PER_ROUTE = 2
PUBLIC_ROLES = ("anonymous", "applicant")


def role_urls(world: Seeded, role: str, public: set[str]) -> list[str]:
    per_route = None if role == "applicant" else STAFF_PER_ROUTE
    urls = [u for make in PAGES.values() for u in make(world)[:per_route]]
    return urls if role in PUBLIC_ROLES else [u for u in urls if u not in public]


def look_at(page, url: str, shot: Path, who: tuple, axe: str | None, spent: dict) -> list[str]:
    """Open one page: its screenshot, and what is wrong on it (text, layout, axe)."""
    role, width, lang, email = who
    where = f"{role} {width}px {lang} {url.split('/', 3)[-1]}"
    t = time.monotonic()
    page.goto(url)
    t, spent["load"] = time.monotonic(), spent["load"] + time.monotonic() - t
    page.screenshot(path=str(shot), full_page=True)
    t, spent["shot"] = time.monotonic(), spent["shot"] + time.monotonic() - t
    found = leaks(page.evaluate(VISIBLE_TEXT), role, lang, email) + page.evaluate(LAYOUT)
    t, spent["text"] = time.monotonic(), spent["text"] + time.monotonic() - t
    if axe is not None:
        page.add_script_tag(content=axe)
        for v in page.evaluate(AXE_RUN):
            found.append(f"axe {v['rule']} ({v['impact']}): {v['help']} — {'; '.join(v['nodes'])}")
        spent["axe"] += time.monotonic() - t
    return [f"{where}: {x}" for x in found]


@pytest.mark.browser_walk
def test_every_page_every_role_both_languages(site: str, browser, axe_source, tmp_path) -> None:  # noqa: F811
    from snicert.web.app import create_app

    routes = set(get_routes(create_app()))
    forgotten = sorted(routes - PAGES.keys() - SKIPPED.keys())
    assert not forgotten, f"GET routes neither walked nor skipped with a reason: {forgotten}"
    stale = sorted((PAGES.keys() | SKIPPED.keys()) - routes)
    assert not stale, f"walked or skipped routes the app no longer has: {stale}"

    clock = time.monotonic
    started = clock()
    world = seed()
    spent = {"seeding": clock() - started, "load": 0.0, "shot": 0.0, "text": 0.0, "axe": 0.0}
    out = shots_dir(tmp_path)
    failures: list[str] = []
    visits = 0
    only = os.environ.get("SNICERT_WALK_ROLES")  # while fixing pages: "applicant,official"
    try:
        public: set[str] = set()
        for role, email in ROLES.items():
            if only and role not in only.split(",") and role != "anonymous":
                continue
            state = signed_in_state(browser, site, email)
            context = browser.new_context(storage_state=state)
            seen, refused, broken = reachable(context, site, role_urls(world, role, public))
            context.close()
            if role == "anonymous":
                public = set(seen)
            if only and role not in only.split(","):
                continue
            failures += [f"{role}: {x}" for x in broken]
            pages = seen + refused[:1] + ERRORS  # and the refusal they meet, and a missing page
            for width, viewport in WIDTHS.items():
                context = browser.new_context(
                    viewport=viewport, storage_state=state, bypass_csp=True
                )
                page = context.new_page()
                for lang in LANGS:
                    context.add_cookies([{"name": "lang", "value": lang, "url": site}])
                    for url in pages:
                        failures += look_at(
                            page,
                            site + url,
                            out / f"{role}-{width}-{lang}-{slug(url)}.png",
                            (role, width, lang, email),
                            axe_source if (width, lang) in AXE_ON.get(role, AXE_STAFF) else None,
                            spent,
                        )
                        visits += 1
                context.close()
    except Exception as exc:  # what was found so far is still worth reading
        failures.append(f"the walk stopped: {exc!r}"[:500])
    took = ", ".join(f"{k} {v:.0f} s" for k, v in spent.items())
    print(f"\nwalk: {visits} pages in {clock() - started:.0f} s ({took}); shots in {out}")
    unique = sorted(set(failures))
    (out / "walk-failures.txt").write_text("\n".join(unique) + "\n")
    unique, unused = waived(unique)
    if not only:  # a walk of some roles may miss what a KNOWN entry is about
        assert not unused, f"KNOWN entries whose problem is gone (remove them): {unused}"
    assert not unique, f"{len(unique)} problems (all in {out / 'walk-failures.txt'}):\n" + (
        "\n".join(unique[:80])
    )


def test_the_walk_sees_what_the_issue_saw() -> None:
    """The text checks catch each leak named in issue #14 and let legitimate text pass."""
    seen = [
        "Menunggu: Pemohon – answer the non-conformities",
        "abon · document_review",
        "application.screening_failed → nonconformity",
        "npwp_present: Perbaiki dokumen",
        "Dokumen (Dokumen #13)",
        "Contoh: in_testing · not_applicable",
        "Riwayat: Reviewer (reviewer@lspro.example)",
    ]
    for text in seen:
        assert leaks(text, "applicant", "id", "owner@umkm.example"), text
    fine = (
        "Surat permohonan: application_form.pdf (0.7 KB) · Unduh · SNI 01-3707-1995 · "
        "Jl. El Tari No. 5 · owner@umkm.example · Uji ke-1 · 1 s.d. 5 hari"
    )
    assert leaks(fine, "applicant", "id", "owner@umkm.example") == []
    assert leaks("Answer the findings", "applicant", "en", None) == []
