"""The test report of each round's test sample: rendered when testing closes, once."""

from __future__ import annotations

import re
import zlib

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from snicert import outputs, stages, synthetic
from snicert.db import engine as db
from snicert.db.models import Output
from snicert.services import lab
from snicert.services.guards import application
from tests.world import World


def _world(product: str) -> tuple[World, int]:
    w = World().setup_staff()
    app_id = w.new_application(product)
    w.advance_to(app_id, "testing")  # samples sealed and received at the lab
    return w, app_id


def _files(app_id: int) -> tuple[dict, str, bytes, list[Output]]:
    """(application facts, the HTML, the PDF bytes, every output of the test sample)."""
    with db.transaction() as s:
        app = application(s, app_id)
        sample = lab.test_sample(s, app)
        owner = f"sample:{sample.id}"
        html, pdf = (outputs.find(s, owner, k) for k in ("test_report_html", "test_report_pdf"))
        assert html is not None and pdf is not None
        assert html.path == f"outputs/{app.number}/samples/{sample.code}-test-report.html"
        assert (html.media_type, pdf.media_type) == ("text/html", "application/pdf")
        every = list(s.scalars(select(Output).where(Output.owner == owner)))
        facts = {
            "number": app.number,
            "code": sample.code,
            "seal": sample.seal_number,
            "business": app.business.name,
            "params": app.checklist_snapshot["parameters"],
        }
        return (
            facts,
            outputs.absolute(html).read_text("utf-8"),
            outputs.absolute(pdf).read_bytes(),
            every,
        )


def _row(html: str, parameter_id: str) -> str:
    found = re.search(rf'<tr id="p-{parameter_id}"(.*?)</tr>', html, re.S)
    assert found, f"no row for {parameter_id}"
    return found.group(0)


def _history(html: str) -> str:
    return html.split("Riwayat", 1)[1].split("Rantai pengawasan", 1)[0]


def _pdf_text(pdf: bytes) -> str:
    """The visible text of the page streams (fpdf2 compresses them), one space between
    the drawn lines, so that a wrapped cell reads as one string."""
    shown = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(stream).decode("cp1252")
        except zlib.error:
            continue
        for literal in re.findall(r"\(((?:\\.|[^\\)])*)\) Tj", content):
            shown.append(re.sub(r"\\(.)", r"\1", literal))
    return " ".join(shown)


def _enter(w: World, app_id: int, parameter: str, value: str, unit: str):
    with db.transaction() as s:
        return lab.record_result(s, w.user(s, "analyst"), app_id, parameter, value, unit)


def _act(w: World, fn, result_id: int, *args):
    with db.transaction() as s:
        return fn(s, w.user(s, "verifier"), result_id, *args)


def test_close_testing_renders_every_parameter(home, monkeypatch) -> None:
    monkeypatch.setenv("SNICERT_LAB_NAME", "Laboratorium Uji Mutu Pangan Kupang")
    w, app_id = _world("abon")
    w.enter_all_results(app_id, failing={"moisture"})
    assert stages.close_testing(app_id)
    assert stages.status(app_id).state == "site_audit"  # type 5: the site audit is still due
    facts, html, pdf, every = _files(app_id)

    for text in (
        "Laboratorium Uji Mutu Pangan Kupang",
        facts["code"],
        facts["seal"],
        facts["number"],
        escape(facts["business"]),
        "Gudang produksi, Kota Kupang",
        "SNI 01-3707-1995",
        "Laporan Hasil Uji",
        "Test report",
    ):
        assert str(text) in html, text
    with db.transaction() as s:
        counted = lab.counted_results(s, application(s, app_id))
    for p in facts["params"]:
        row = _row(html, p["id"])
        r = counted[p["id"]]
        for text in (
            p["name"]["id"],
            p["name"]["en"],
            r.value_text,
            p["unit"],
            p["method"],
            "Analyst",
            "Verifier",
        ):
            assert str(escape(text)) in row, (p["id"], text)
        provisional = p["source"]["status"] == "provisional"
        assert ("sementara / provisional" in row) == provisional, p["id"]
        assert ('class="provisional"' in row) == provisional, p["id"]
        verdict = "nonconform" if p["id"] == "moisture" else "conform"
        assert f'<td class="{verdict}">' in row, p["id"]
    assert "sementara / provisional" in _row(html, "staphylococcus_aureus")
    assert "tidak sesuai" in _row(html, "moisture") and "Requirements not met" in html
    assert "No retests or retracted results" in _history(html)

    assert pdf.startswith(b"%PDF-")
    assert b"/MediaBox [0 0 595.28 841.89]" in pdf  # A4 portrait
    text = _pdf_text(pdf)
    for p in facts["params"]:
        assert p["name"]["en"] in text, p["id"]
    assert "PROVISIONAL" in text and "nonconform" in text and facts["code"] in text


def test_rerun_does_not_duplicate(home) -> None:
    w, app_id = _world("abon")
    with db.transaction() as s:  # some results only: testing does not close, no report
        for p in application(s, app_id).checklist_snapshot["parameters"][:3]:
            r = lab.record_result(
                s, w.user(s, "analyst"), app_id, p["id"], synthetic.passing_value(p), p["unit"]
            )
            lab.verify_result(s, w.user(s, "verifier"), r.id)
    assert not stages.close_testing(app_id)
    with db.transaction() as s:
        assert not s.scalar(
            select(func.count()).select_from(Output).where(Output.kind.like("test_report%"))
        )

    with db.transaction() as s:
        app = application(s, app_id)
        done = set(lab.counted_results(s, app))
        for p in app.checklist_snapshot["parameters"]:
            if p["id"] not in done:
                r = lab.record_result(
                    s, w.user(s, "analyst"), app_id, p["id"], synthetic.passing_value(p), p["unit"]
                )
                lab.verify_result(s, w.user(s, "verifier"), r.id)
    assert stages.close_testing(app_id)
    _, html, pdf, first = _files(app_id)
    assert sorted(o.kind for o in first) == ["test_report_html", "test_report_pdf"]
    assert not stages.close_testing(app_id)  # nothing left to do: nothing rendered again
    _, html2, pdf2, again = _files(app_id)
    assert [(o.id, o.sha256) for o in again] == [(o.id, o.sha256) for o in first]
    assert (html2, pdf2) == (html, pdf)
    with db.transaction() as s:  # the report itself is idempotent per (owner, kind)
        from snicert.reports import render_test_report

        app = application(s, app_id)
        assert sorted(o.id for o in render_test_report(s, app)) == sorted(o.id for o in first)


def test_retest_and_retraction_are_in_the_history(home) -> None:
    w, app_id = _world("abon")
    with db.transaction() as s:
        for p in application(s, app_id).checklist_snapshot["parameters"]:
            if p["id"] not in ("moisture", "fat"):
                r = lab.record_result(
                    s, w.user(s, "analyst"), app_id, p["id"], synthetic.passing_value(p), p["unit"]
                )
                lab.verify_result(s, w.user(s, "verifier"), r.id)
    first = _enter(w, app_id, "moisture", "9", "%")
    _act(w, lab.request_retest, first.id, "Duplo menyimpang")
    _act(w, lab.verify_result, _enter(w, app_id, "moisture", "6.8", "%").id)
    wrong = _enter(w, app_id, "fat", "12", "%")
    _act(w, lab.retract_result, wrong.id, "Sampel tertukar")
    _act(w, lab.verify_result, _enter(w, app_id, "fat", "13", "%").id)
    assert stages.close_testing(app_id)
    _, html, pdf, _ = _files(app_id)

    moisture = _row(html, "moisture")  # the latest verified result counts (checklist rule)
    assert ">6.8<" in moisture and "attempt 2" in moisture and '<td class="conform">' in moisture
    assert ">13<" in _row(html, "fat")
    history = _history(html)
    rows = re.findall(r"<tr class=\"history-(\w+)\">(.*?)</tr>", history, re.S)
    assert len(rows) == 4  # two attempts each of fat and moisture, nothing else
    by = {
        (re.search(r"<td>(\d+)</td>", body).group(1), "Air" in body): (status, body)
        for status, body in rows
    }
    status, body = by[("1", True)]  # moisture, attempt 1: kept, retest requested
    assert (
        status == "retest_requested" and "retest requested" in body and "Duplo menyimpang" in body
    )
    assert "9 %" in body and "nonconform" in body
    assert "counted" in by[("2", True)][1]
    status, body = by[("1", False)]  # fat, attempt 1: retracted
    assert status == "retracted" and "Sampel tertukar" in body and "12 %" in body
    assert "counted" in by[("2", False)][1]

    text = _pdf_text(pdf)
    assert "Duplo menyimpang" in text and "Sampel tertukar" in text and "retracted" in text


def test_emping_parameters_are_all_marked_provisional(home) -> None:
    w, app_id = _world("emping")
    w.enter_all_results(app_id)
    assert stages.close_testing(app_id)
    facts, html, _, _ = _files(app_id)
    assert facts["params"] and all(p["source"]["status"] == "provisional" for p in facts["params"])
    for p in facts["params"]:
        row = _row(html, p["id"])
        assert 'class="provisional"' in row and "sementara / provisional" in row, p["id"]
    assert "Criteria marked provisional are not yet verified" in html
    assert "All parameters meet the requirements" in html


@pytest.mark.parametrize(
    ("value", "shown"),
    [("5 × 10⁴", "5 × 10^4"), ("≤ 10", "<= 10"), ("−2", "-2"), ("2,5 x 10⁻³", "2,5 x 10^-3")],
)
def test_pdf_text_keeps_exponents_and_signs(value, shown) -> None:
    from snicert.reports import _pdf_text as visible

    assert visible(value) == shown  # the core PDF font has no superscripts: 10⁴ is not 104
