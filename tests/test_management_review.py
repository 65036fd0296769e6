"""The management review: figures against hand-computed ones on a small dated history
(lead times in working days, counts per product and period, the previous period beside),
decisions and actions across reviews, the files (HTML, PDF, XLSX), the CLI and the API."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta

import pytest

from snicert import clock
from snicert.db import engine as db
from snicert.errors import IllegalTransition, InvalidInput, PermissionDenied
from snicert.services import (
    applications,
    complaints,
    dates,
    decisions,
    review,
    review_actions,
    site_audits,
)
from snicert.services.guards import application
from tests import rollup_counts
from tests.world import ORDER, World

PASSWORD = "rahasia-123"  # tests/world.py
MARCH = review.Period(date(2026, 3, 2), date(2026, 3, 31))  # 30 days; before: Jan 31 - Mar 1


def at(day: str) -> None:
    """09:00 WITA (01:00 UTC) of `day`."""
    clock.freeze(datetime.fromisoformat(day).replace(hour=1, tzinfo=UTC))


def step(w: World, app_id: int, day: str, failing: frozenset[str] = frozenset()) -> None:
    """One state further along the happy path, on `day`."""
    at(day)
    state = w.app(app_id).state
    w.advance_to(app_id, ORDER[ORDER.index(state) + 1], set(failing))


def walk(w: World, app_id: int, days: list[str]) -> None:
    for day in days:
        step(w, app_id, day)


@pytest.fixture
def history(home) -> dict[str, int]:
    """Four cases, dated (09:00 WITA each; working days Monday to Friday except the 2026
    holidays: cuti bersama Imlek Mon 16 and Imlek Tue 17 February; cuti bersama Nyepi Wed 18,
    Nyepi Thu 19, cuti bersama Idul Fitri Fri 20, Mon 23 and Tue 24 March):
    A abon, March: submitted Mon 2, reviewed Thu 5 (3 wd), sampled Mon 9 (2), tested
      Fri 20 (6), evaluated Mon 23 (0), granted Thu 26 (2), certified Thu 26: 13 wd in all.
    B abon, February: submitted Mon 2, reviewed Wed 11 (7 wd: over the standard of 5),
      sampled Thu 12 (1), tested Mon 16 (1), evaluated Tue 17 (0), granted and certified
      Wed 18 (1): 10 wd.
    C emping, March: submitted Tue 3, a non-conformity on Wed 4 (review 1 wd), answered
      Wed 11 (5 wd), reviewed Thu 12 (1), sampled Fri 13 (1), moisture fails Tue 17 (2),
      evaluated Wed 18 (0), refused Thu 19 (0): 10 wd.
    D abon: submitted Tue 24 March, still in document review on the 31st (5 wd)."""
    at("2026-01-05")
    w = World().setup_staff()
    ids = {}
    at("2026-03-02")
    ids["A"] = w.new_application("abon")
    w.advance_to(ids["A"], "document_review")
    walk(w, ids["A"], ["2026-03-05", "2026-03-09", "2026-03-20", "2026-03-23", "2026-03-26"])
    step(w, ids["A"], "2026-03-26")
    at("2026-02-02")
    ids["B"] = w.new_application("abon")
    w.advance_to(ids["B"], "document_review")
    walk(w, ids["B"], ["2026-02-11", "2026-02-12", "2026-02-16", "2026-02-17", "2026-02-18"])
    step(w, ids["B"], "2026-02-18")
    at("2026-03-03")
    ids["C"] = w.new_application("emping")
    w.advance_to(ids["C"], "document_review")
    at("2026-03-04")
    w.review_all(ids["C"], nonconform={"npwp_present"})
    at("2026-03-11")
    with db.transaction() as s:
        for nc in applications.open_nonconformities(s, ids["C"]):
            applications.answer_nonconformity(s, w.owner(s, ids["C"]), nc.id, "Sudah diperbaiki")
    walk(w, ids["C"], ["2026-03-12", "2026-03-13"])
    step(w, ids["C"], "2026-03-17", frozenset({"moisture"}))
    step(w, ids["C"], "2026-03-18")
    at("2026-03-19")
    with db.transaction() as s:
        decisions.decide(s, w.user(s, "decider"), ids["C"], "refuse", "Kadar air melebihi batas")
    at("2026-03-20")
    with db.transaction() as s:
        complaints.file(s, "10.0.0.9", subject="lspro", text_="Petugas lambat membalas")
    at("2026-03-24")
    ids["D"] = w.new_application("abon")
    w.advance_to(ids["D"], "document_review")
    at("2026-04-02")
    ids["world"] = w  # type: ignore[assignment]
    with db.reading() as s:
        assert application(s, ids["C"]).state == "refused"
    return ids


def figures(period: review.Period = MARCH) -> dict:
    with db.reading() as s:
        return review.build(s, period)


def row(rows: list[dict], **match: str) -> dict:
    found = [r for r in rows if all(r[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, rows)
    return found[0]


def test_counts_and_lead_times_beside_the_previous_period(history) -> None:
    m = figures()
    assert m["previous"] == review.Period(date(2026, 1, 31), date(2026, 3, 1))
    abon, emping = row(m["flow"], product="abon"), row(m["flow"], product="emping")
    assert abon["started"] == {"now": 2, "before": 1}  # A and D; B
    assert abon["closed"] == {"now": 1, "before": 1}
    assert abon["certified"] == {"now": 1, "before": 1}
    assert emping["started"] == {"now": 1, "before": 0}
    assert emping["refused"] == {"now": 1, "before": 0}
    assert row(m["flow"], product="sasando")["started"] == {"now": 0, "before": 0}

    review_abon = row(m["stages"], product="abon", state="document_review")
    assert review_abon["standard"] == 5
    assert review_abon["entered"] == {"now": 2, "before": 1}
    assert review_abon["completed"] == {"now": 1, "before": 1}
    assert review_abon["median"] == {"now": 3, "before": 7}
    assert review_abon["p90"] == {"now": 3, "before": 7}
    assert review_abon["on_time"] == {"now": 1.0, "before": 0.0}
    testing_abon = row(m["stages"], product="abon", state="testing")
    assert testing_abon["median"] == {"now": 6, "before": 1}  # Nyepi, Idul Fitri; Imlek
    assert testing_abon["on_time"] == {"now": 1.0, "before": 1.0}
    sampling_abon = row(m["stages"], product="abon", state="sampling")
    assert sampling_abon["median"] == {"now": 2, "before": 1}
    review_emping = row(m["stages"], product="emping", state="document_review")
    assert review_emping["completed"] == {"now": 2, "before": 0}
    assert review_emping["median"] == {"now": 1, "before": None}
    assert review_emping["on_time"]["before"] is None
    nc = row(m["stages"], product="emping", state="nonconformity")
    assert (nc["median"]["now"], nc["standard"], nc["role"]) == (5, 10, "applicant")

    assert row(m["end_to_end"], product="abon")["median"] == {"now": 13, "before": 10}
    assert row(m["end_to_end"], product="emping")["median"] == {"now": 10, "before": None}

    waiting = row(m["waiting"], state="document_review")
    assert waiting["role"] == "official"
    assert waiting["count"] == {"now": 1, "before": 0}
    assert waiting["oldest"]["now"] == 5  # D: Wed 25 to Tue 31 March
    assert [x["age"] for x in m["longest"]] == [5]

    assert row(m["nonconformities"], item="npwp_present")["count"] == {"now": 1, "before": 0}
    moisture = row(m["lab_failures"], product="emping", parameter="moisture")
    assert moisture["failed"] == {"now": 1, "before": 0}
    assert moisture["tested"] == {"now": 1, "before": 0}
    assert m["refusals"]["reasons"][0] == {
        "reason": "Kadar air melebihi batas",
        "count": {"now": 1, "before": 0},
    }
    filed = row(m["complaints"], key="complaint_filed_lspro")
    assert filed["count"] == {"now": 1, "before": 0}
    issued = row(m["certificates"], event="issued")
    assert issued["count"] == {"now": 1, "before": 1}
    reviewer = row(m["workload"], name="Reviewer")
    assert reviewer["actions"]["now"] > 0 and reviewer["actions"]["before"] > 0
    assert any(x["kind"] == "lab" for x in m["improvement"])


def test_a_period_with_nothing_in_it_and_the_one_before(history) -> None:
    m = figures(review.Period(date(2025, 6, 1), date(2025, 6, 30)))
    assert all(r["started"] == {"now": 0, "before": 0} for r in m["flow"])
    assert m["stages"] == [] and m["nonconformities"] == [] and m["waiting"] == []


def test_percentiles_by_nearest_rank() -> None:
    lead = {1: 5, 3: 4, 10: 1}
    assert review.percentile(lead, 0.5) == 1
    assert review.percentile(lead, 0.9) == 3
    assert review.percentile({2: 1, 4: 1}, 0.5) == 2
    assert review.percentile({}, 0.5) is None


def test_working_days_skip_weekends() -> None:
    n = clock.working_day_numbers(date(2026, 3, 6), date(2026, 3, 10))  # Fri .. Tue
    assert n[date(2026, 3, 9)] - n[date(2026, 3, 6)] == 1  # Friday to Monday
    assert n[date(2026, 3, 10)] - n[date(2026, 3, 7)] == 2
    assert clock.add_working_days(datetime(2026, 3, 6, tzinfo=UTC), 1).date() == date(2026, 3, 9)


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2026-13-01", "2026-12-31", "from"),
        ("2026-03-01", "31/03/2026", "to"),
        ("", "2026-03-31", "from"),
        ("2026-03-31", "2026-03-01", "to"),
        ("2020-01-01", "2026-03-01", "to"),  # over five years
        ("2099-01-01", "2099-01-31", "from"),
    ],
)
def test_bad_periods_are_refused_naming_the_field(home, start: str, end: str, field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        review.parse_period(start, end)
    assert exc.value.field == field


def test_decisions_and_actions_shown_open_then_done_in_a_later_review(history) -> None:
    w: World = history["world"]  # type: ignore[assignment]
    with db.transaction() as s:
        official = w.user(s, "reviewer")
        review_actions.record(s, official, MARCH, "decision", "Tambah satu petugas PPC")
        action = review_actions.record(
            s,
            official,
            MARCH,
            "action",
            "Latih petugas tinjauan dokumen",
            "Kepala LSPro",
            "2026-05-15",
        )
        action_id = action.id
        with pytest.raises(InvalidInput) as exc:
            review_actions.record(s, official, MARCH, "action", "Tanpa pemilik", None, "2026-05-15")
        assert exc.value.field == "owner"
        with pytest.raises(PermissionDenied):
            review_actions.record(s, w.user(s, "analyst"), MARCH, "decision", "x")
    m = figures()
    assert [(a["kind"], a["status"]) for a in m["actions"]["this"]] == [
        ("decision", "decided"),
        ("action", "open"),
    ]
    april = review.Period(date(2026, 4, 1), date(2026, 4, 30))
    assert [a["status"] for a in figures(april)["actions"]["earlier"]] == ["decided", "open"]
    with db.transaction() as s:
        with pytest.raises(InvalidInput):  # the guard: say what was done
            review_actions.change(s, w.user(s, "reviewer"), action_id, "complete", " ")
        review_actions.change(s, w.user(s, "decider"), action_id, "complete", "Pelatihan 2 hari")
    with db.transaction() as s, pytest.raises(IllegalTransition):
        review_actions.change(s, w.user(s, "decider"), action_id, "complete", "lagi")
    done = figures(april)["actions"]["earlier"][1]
    assert (done["status"], done["outcome"]) == ("done", "Pelatihan 2 hari")
    with db.reading() as s:
        from sqlalchemy import select

        from snicert.db.models import AuditEvent

        actions = s.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "review_action")
        ).all()
    assert actions == ["review.decision_recorded", "review.action_recorded", "review.action_done"]


def test_demo_like_history_gives_a_non_empty_review(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "certified")
    today = dates.today()  # the review's days are the LSPro's (WITA), not UTC's
    m = figures(review.Period(today - timedelta(days=29), today))
    assert row(m["flow"], product="abon")["certified"]["now"] == 1
    assert any(r["completed"]["now"] for r in m["stages"])


# --- the files --------------------------------------------------------------------------


def test_files_open_with_their_sections(history) -> None:
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from snicert.review.formats import renderer

    m = figures()
    book = load_workbook(io.BytesIO(renderer("xlsx")(m, "id")))
    flow = book["Permohonan per produk"]
    rows = {r[0]: r for r in flow.iter_rows(min_row=2, values_only=True)}
    abon = m["products"]["abon"]
    assert rows[abon][1:3] == (2, 1)  # submitted: this period, the previous one
    stages = book["Tahap"]
    head = next(stages.iter_rows(max_row=1, values_only=True))
    assert head[:4] == ("Produk", "Tahap", "Menunggu", "Standar (hari kerja)")

    text = "\n".join(
        p.extract_text() for p in PdfReader(io.BytesIO(renderer("pdf")(m, "id"))).pages
    )
    text = " ".join(text.split())
    for heading in (
        "a. Status tindakan dari tinjauan manajemen sebelumnya",
        "b. Perubahan isu eksternal dan internal",
        "c1. Kepuasan pelanggan",
        "c2. Pencapaian sasaran mutu",
        "c4. Ketidaksesuaian dan tindakan korektif",
        "c7. Kinerja penyedia eksternal",
        "d. Kecukupan sumber daya",
        "e. Efektivitas tindakan",
        "f. Peluang perbaikan",
        "Keputusan dan tindakan tinjauan ini",
        "Kadar air melebihi batas",
    ):
        assert heading in text, heading

    html = renderer("html")(m, "en").decode()
    assert html.count('class="chart" role="img"') == 4
    svg = html[html.index("<svg") : html.rindex("</svg>")]
    assert " style=" not in svg and "<style" not in svg and "<script" not in html
    assert "Management review" in html and "Lab failures by parameter" in html


def test_daily_roll_ups_match_the_rows_they_count(history) -> None:
    """stage_days, lab_result_days, actor_days and nonconformity_days, written with each
    stay, concluded result, audit event and non-conformity, hold exactly what counting
    those rows by local day gives."""
    with db.reading() as s:
        rolled, counted = rollup_counts.rolled(s), rollup_counts.counted(s)
    assert rolled == counted
    sizes = {name: sum(rows.values()) for name, rows in rolled.items()}
    assert sizes["stage"] > 20 and sizes["lab"] > 10 and sizes["actor"] > 50, sizes
    assert sizes["nc"] == 1, sizes  # C's npwp_present


def test_migration_backfills_the_workload_and_nonconformity_roll_ups(history) -> None:
    """Migration 0024 counts the events and non-conformities already there into
    actor_days and nonconformity_days: the same rows the live writes give."""
    import importlib

    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import delete

    from snicert.db.models import ActorDay, NonconformityDay

    migration = importlib.import_module(
        "snicert.migrations.versions.0024_workload_and_nonconformity_rollups"
    )
    with db.reading() as s:
        live = rollup_counts.rolled(s)
    shown = figures()
    with db.engine().begin() as conn:
        conn.execute(delete(ActorDay))
        conn.execute(delete(NonconformityDay))
    with db.engine().begin() as conn, Operations.context(MigrationContext.configure(conn)):
        migration.backfill()
    with db.reading() as s:
        again = rollup_counts.rolled(s)
    assert again == live and again["actor"] and again["nc"]
    after = figures()
    for key in ("workload", "workload_by_role", "nonconformities"):
        assert after[key] == shown[key] and shown[key], key


def test_site_audit_findings_and_outcomes_beside_the_previous_period(history) -> None:
    """On top of the history (each case's audit planned, visited and passed with no finding
    on the day it left testing: B Mon 16 Feb; C Tue 17 and A Fri 20 March):
    F abon, February: audit planned Thu 5, visited Mon 9 with a minor finding (item 3),
      which is answered Wed 4 and accepted Thu 5 March: the audit passes in March.
    E abon, March: audit planned Tue 10, visited Thu 12 with a major (item 1), a minor
      (item 2) and an observation (item 1); the minor is answered Mon 16 and accepted Tue
      17; the major is answered and stays open; an official fails the audit Mon 30."""
    w: World = history["world"]  # type: ignore[assignment]
    items = ["lokasi_lingkungan", "bangunan_fasilitas", "peralatan_produksi"]

    def auditor(s):
        return w.user(s, "auditor")

    at("2026-02-03")
    f_app = w.new_application("abon")
    w.advance_to(f_app, "sampling")
    at("2026-02-05")
    f_audit = w.plan_site_audit(f_app)
    at("2026-02-09")
    with db.transaction() as s:
        site_audits.start_visit(s, auditor(s), f_audit)
        f_minor = site_audits.record_finding(s, auditor(s), f_audit, items[2], "minor", "x").id
        site_audits.close_visit(s, auditor(s), f_audit)
    at("2026-03-04")
    with db.transaction() as s:
        site_audits.answer(s, w.owner(s, f_app), f_minor, "sebab", "tindakan", dates.today())
    at("2026-03-05")
    with db.transaction() as s:
        site_audits.verify(s, auditor(s), f_minor, True)
        assert site_audits.get(s, site_audits.SiteAudit, f_audit).state == "passed"

    e_app = w.new_application("abon")
    w.advance_to(e_app, "sampling")
    at("2026-03-10")
    e_audit = w.plan_site_audit(e_app)
    at("2026-03-12")
    with db.transaction() as s:
        site_audits.start_visit(s, auditor(s), e_audit)
        major = site_audits.record_finding(s, auditor(s), e_audit, items[0], "major", "x").id
        minor = site_audits.record_finding(s, auditor(s), e_audit, items[1], "minor", "y").id
        site_audits.record_finding(s, auditor(s), e_audit, items[0], "observation", "z")
        site_audits.close_visit(s, auditor(s), e_audit)
    at("2026-03-16")
    with db.transaction() as s:
        for finding in (minor, major):
            site_audits.answer(s, w.owner(s, e_app), finding, "sebab", "aksi", dates.today())
    at("2026-03-17")
    with db.transaction() as s:
        site_audits.verify(s, auditor(s), minor, True)
    at("2026-03-30")
    with db.transaction() as s:
        site_audits.fail(s, w.user(s, "reviewer"), e_audit, "Tindakan korektif tidak efektif")
    at("2026-04-02")

    sa = figures()["site_audits"]
    audits = {r["key"]: r["count"] for r in sa["audits"]}
    assert audits == {
        "planned": {"now": 3, "before": 2},  # A, C, E; B, F
        "visited": {"now": 3, "before": 2},
        "surveillance": {"now": 0, "before": 0},
        "passed": {"now": 3, "before": 1},  # A, C, F; B
        "failed": {"now": 1, "before": 0},  # E
    }
    assert {r["grade"]: r["count"] for r in sa["grades"]} == {
        "major": {"now": 1, "before": 0},
        "minor": {"now": 1, "before": 1},
        "observation": {"now": 1, "before": 0},
    }
    assert {r["key"]: r["count"] for r in sa["status"]} == {
        "closed": {"now": 1, "before": 0},  # E's minor; F's was still open on 1 March
        "open": {"now": 1, "before": 1},  # E's major; F's minor
        "noted": {"now": 1, "before": 0},
        "open_at_end": {"now": 1, "before": 1},
    }
    assert [(r["item"], r["count"], r["major"]) for r in sa["items"]] == [
        (items[0], {"now": 2, "before": 0}, {"now": 1, "before": 0}),
        (items[1], {"now": 1, "before": 0}, {"now": 0, "before": 0}),
        (items[2], {"now": 0, "before": 1}, {"now": 0, "before": 0}),
    ]
    # surveillance outcomes sit beside them (none in this history)
    assert figures()["surveillance"]["passed"] == {"now": 0, "before": 0}

    # the page, the PDF and the workbook show them
    from openpyxl import load_workbook
    from pypdf import PdfReader

    from snicert.review.formats import renderer

    m = figures()
    html = renderer("html")(m, "en").decode()
    assert 'data-audit-item="lokasi_lingkungan"' in html and "Findings by grade" in html
    text = " ".join(
        " ".join(
            p.extract_text() for p in PdfReader(io.BytesIO(renderer("pdf")(m, "id"))).pages
        ).split()
    )
    assert "Temuan per butir daftar periksa audit" in text and "Gagal / Failed" in text
    book = load_workbook(io.BytesIO(renderer("xlsx")(m, "id")))
    by_item = list(book["Temuan per butir daftar periksa"].iter_rows(values_only=True))
    assert by_item[1][:2] == ("abon", items[0]) and by_item[1][3:7] == (2, 0, 1, 0)
    summary = {r[0]: r[1:] for r in book["Audit lokasi produksi"].iter_rows(values_only=True)}
    assert summary["Audit lokasi produksi: Gagal"] == (1, 0)


# --- command line -----------------------------------------------------------------------


def test_cli_writes_the_review_and_refuses_bad_input(history, tmp_path) -> None:
    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from snicert.cli import app

    runner = CliRunner()
    out = tmp_path / "review.xlsx"
    args = ["report", "management-review", "--from", "2026-03-02", "--to", "2026-03-31"]
    args += ["--as", "decider@lspro.example", "--password-stdin"]
    r = runner.invoke(app, [*args, "--format", "xlsx", "--output", str(out)], input=PASSWORD)
    assert r.exit_code == 0, r.output
    assert load_workbook(out).sheetnames[0] == "Tinjauan manajemen"
    r = runner.invoke(app, [*args, "--format", "docx", "--output", str(out)], input=PASSWORD)
    assert r.exit_code == 2
    bad = ["report", "management-review", "--from", "2026-02-30", "--to", "2026-03-31"]
    bad += ["--as", "decider@lspro.example", "--password-stdin"]
    r = runner.invoke(app, [*bad, "--output", str(tmp_path / "x.pdf")], input=PASSWORD)
    assert r.exit_code == 2 and "--from" in r.output and "YYYY-MM-DD" in r.output
    assert not (tmp_path / "x.pdf").exists()


@pytest.mark.parametrize(
    ("who", "password", "why"),
    [
        ("sampler@lspro.example", PASSWORD, "needs the role Official"),
        ("auditor@lspro.example", PASSWORD, "needs the role Official"),
        ("applicant0@umkm.example", PASSWORD, "needs the role Official"),
        ("decider@lspro.example", "salah-sandi-1", "Wrong e-mail or password"),
        ("nobody@lspro.example", PASSWORD, "Wrong e-mail or password"),
    ],
)
def test_cli_review_and_exports_need_an_official(history, tmp_path, who, password, why) -> None:
    """Only an official's own password opens the review and the BSN exports at the shell;
    nothing is written for anyone else, and no export is recorded in their name."""
    from sqlalchemy import func, select
    from typer.testing import CliRunner

    from snicert.cli import app
    from snicert.db.models import AuditEvent

    runner = CliRunner()  # applicant0 filed case A (tests/world.py names them in turn)
    period = ["--from", "2026-03-02", "--to", "2026-03-31"]
    for command, out in (
        (["report", "management-review", "--format", "xlsx"], tmp_path / "r.xlsx"),
        (["export", "certificates", "--format", "csv"], tmp_path / "c.csv"),
        (["export", "applications", "--format", "json"], tmp_path / "a.json"),
    ):
        r = runner.invoke(
            app,
            [*command, *period, "--as", who, "--password-stdin", "--output", str(out)],
            input=password + "\n",
        )
        assert r.exit_code == 1, r.output
        assert r.stderr.startswith("error: ") and why in r.stderr, r.stderr
        assert not out.exists()
    with db.reading() as s:
        exports = select(func.count()).where(AuditEvent.action == "export.generated")
        assert s.scalar(exports) == 0
    # and the official does get them: the export names them in the audit log
    r = runner.invoke(
        app,
        ["export", "certificates", *period, "--as", "decider@lspro.example", "--password-stdin"]
        + ["--output", str(tmp_path / "c.csv")],
        input=PASSWORD + "\n",
    )
    assert r.exit_code == 0, r.output
    with db.reading() as s:
        actor = s.scalar(select(AuditEvent.actor).where(AuditEvent.action == "export.generated"))
    assert actor == "decider@lspro.example"


# --- page and API -----------------------------------------------------------------------


def test_only_officials_reach_the_review_page_and_api(history) -> None:
    from snicert.web.app import create_app
    from tests.test_web_staff import email, sign_in

    web = create_app()
    query = "from=2026-03-02&to=2026-03-31"
    official = sign_in(web, email("reviewer"))
    page = official.get(f"/management-review?{query}")
    assert page.status_code == 200
    assert 'class="chart" role="img"' in page.text and "Tinjauan manajemen" in page.text
    assert 'data-product="abon" data-state="document_review"' in page.text
    body = official.api("GET", f"/api/v1/reports/management-review?{query}").json()
    assert body["period"] == {"start": "2026-03-02", "end": "2026-03-31"}
    assert body["previous"] == {"start": "2026-01-31", "end": "2026-03-01"}
    flow = {r["product"]: r for r in body["flow"]}
    assert flow["abon"]["started"] == {"now": 2, "before": 1}
    pdf = official.api("GET", f"/api/v1/reports/management-review?{query}&format=pdf")
    assert pdf.headers["content-type"] == "application/pdf" and pdf.content[:5] == b"%PDF-"
    for bad, field in (
        ("from=2026-02-30&to=2026-03-31", "from"),
        ("from=2026-03-31&to=2026-03-01", "to"),
        (f"{query}&format=docx", "format"),
    ):
        r = official.api("GET", f"/api/v1/reports/management-review?{bad}")
        assert (r.status_code, r.json()["field"]) == (422, field), bad
    assert official.get("/management-review?from=2026-03-31&to=2026-03-01").status_code == 422
    assert "/api/v1/reports/management-review" in official.get("/openapi.json").json()["paths"]
    for who in ("analyst", "applicant0", "sampler"):
        b = sign_in(web, email(who))
        assert b.get(f"/management-review?{query}").status_code == 403
        assert b.get(f"/management-review/file.pdf?{query}").status_code == 403
        assert b.api("GET", f"/api/v1/reports/management-review?{query}").status_code == 403
    anonymous = sign_in(web, None)
    assert anonymous.get(f"/management-review?{query}").headers["location"] == "/login"
    assert anonymous.api("GET", f"/api/v1/reports/management-review?{query}").status_code == 401


def test_actions_through_the_page_and_the_api(history) -> None:
    from snicert.web.app import create_app
    from tests.test_web_staff import email, sign_in

    web = create_app()
    official = sign_in(web, email("reviewer"))
    form = {"from": "2026-03-02", "to": "2026-03-31", "kind": "action", "text": "Tambah PPC"}
    r = official.post("/management-review/actions", {**form, "owner": "", "due_on": ""})
    assert r.status_code == 422 and 'aria-invalid="true"' in r.text
    r = official.post(
        "/management-review/actions", {**form, "owner": "Ketua", "due_on": "2026-05-01"}
    )
    assert r.status_code == 303
    page = official.get("/management-review?from=2026-03-02&to=2026-03-31").text
    action_id = int(page.split('data-action="')[1].split('"')[0])
    r = official.post(
        f"/management-review/actions/{action_id}/complete",
        {"from": "2026-03-02", "to": "2026-03-31", "note": "Sudah direkrut"},
    )
    assert r.status_code == 303
    april = official.api(
        "GET", "/api/v1/reports/management-review?from=2026-04-01&to=2026-04-02"
    ).json()
    assert [(a["text"], a["status"]) for a in april["actions"]["earlier"]] == [
        ("Tambah PPC", "done")
    ]
    created = official.api(
        "POST",
        "/api/v1/reports/management-review/actions",
        json={"from": "2026-04-01", "to": "2026-04-02", "kind": "decision", "text": "Lanjut"},
    )
    assert created.status_code == 201 and created.json()["status"] == "decided"
    r = official.api(
        "POST", f"/api/v1/reports/management-review/actions/{action_id}/reopen", json={"note": ""}
    )
    assert (r.status_code, r.json()["field"]) == (422, "outcome")


def test_a_refusal_for_a_failed_test_shows_in_the_lab_failures_table(home) -> None:
    """The walk's refused case was refused with every result passing, so the table was
    rightly empty; a case refused because a parameter failed fills it, on the page too."""
    from snicert.web.app import create_app
    from tests.test_web_staff import email, sign_in

    w = World().setup_staff()
    app_id = w.new_application("emping")
    w.advance_to(app_id, "decision", {"moisture"})
    with db.transaction() as s:
        decisions.decide(s, w.user(s, "decider"), app_id, "refuse", "Kadar air melebihi batas.")
    page = sign_in(create_app(), email("reviewer")).get("/management-review").text
    row = re.search(r'<tr data-parameter="moisture">(.*?)</tr>', page, re.S)
    assert row is not None, "the failed parameter is missing from the table"
    assert "Emping" in row[1]
