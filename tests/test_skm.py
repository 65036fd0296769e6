"""The satisfaction survey (SKM): the IKM and its category for hand-computed answers, the
invitation when a case closes, one answer per application by its own applicant only, and
the summary per product and period."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from typer.testing import CliRunner

from snicert import clock, survey
from snicert.cli import app as cli
from snicert.db import engine as db
from snicert.db.migrate import alembic_config
from snicert.db.models import AuditEvent, SkmSurvey
from snicert.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied
from snicert.services import applications, decisions, skm
from snicert.services.guards import application
from tests.world import World

ELEMENTS = [e.id for e in survey.questionnaire().elements]


def answers(*scores: int) -> dict[str, int]:
    assert len(scores) == 9
    return dict(zip(ELEMENTS, scores, strict=True))


def test_questionnaire_has_the_regulations_nine_elements_in_order() -> None:
    q = survey.questionnaire()
    assert [e.code for e in q.elements] == [f"U{i}" for i in range(1, 10)]
    assert ELEMENTS == [
        "persyaratan",
        "prosedur",
        "waktu",
        "biaya",
        "produk",
        "kompetensi",
        "perilaku",
        "pengaduan",
        "sarana",
    ]
    assert q.element("biaya").scores[4].id == "Gratis"
    assert q.element("persyaratan").scores[1].id == "Tidak sesuai"


@pytest.mark.parametrize(
    ("score", "ikm", "grade", "label"),
    [
        (4, "100.00", "A", "Sangat baik"),
        (3, "75.00", "C", "Kurang baik"),
        (2, "50.00", "D", "Tidak baik"),
        (1, "25.00", "D", "Tidak baik"),
    ],
)
def test_ikm_of_uniform_answers(score: int, ikm: str, grade: str, label: str) -> None:
    f = skm.figures({e: (score * 3, 3) for e in ELEMENTS}, respondents=3)
    assert f.ikm == Decimal(ikm)
    assert (f.category, f.label) == (grade, label)
    assert all(m.mean == Decimal(score) for m in f.elements)


def test_ikm_of_a_mixed_set_computed_by_hand() -> None:
    # Two respondents. Element means: 3.5 4 3 2.5 3.5 3 4 2.5 3, summing to 29;
    # 29 x 1/9 = 3.2222..., x 25 = 80.5555... -> 80.56, category B (76.61-88.30).
    r1 = answers(4, 4, 3, 3, 3, 3, 4, 2, 3)
    r2 = answers(3, 4, 3, 2, 4, 3, 4, 3, 3)
    f = skm.figures({e: (r1[e] + r2[e], 2) for e in ELEMENTS}, respondents=2)
    assert [m.mean for m in f.elements] == [
        Decimal(x) for x in ["3.5", "4", "3", "2.5", "3.5", "3", "4", "2.5", "3"]
    ]
    assert f.ikm == Decimal("80.56")
    assert (f.category, f.label, f.label_en) == ("B", "Baik", "Good")


def test_ikm_comes_from_the_exact_means_not_the_rounded_ones() -> None:
    # Three respondents: means 10/3 (3.33 shown) on every element; the IKM is
    # 25 x 10/3 = 83.333... -> 83.33, not 25 x 3.33 = 83.25.
    f = skm.figures({e: (10, 3) for e in ELEMENTS}, respondents=3)
    assert f.elements[0].mean == Decimal("3.33")
    assert f.ikm == Decimal("83.33")


@pytest.mark.parametrize(
    ("ikm", "grade"),
    [
        ("25.00", "D"),
        ("64.99", "D"),
        ("65.00", "C"),
        ("76.60", "C"),
        ("76.61", "B"),
        ("88.30", "B"),
        ("88.31", "A"),
        ("100.00", "A"),
    ],
)
def test_category_boundaries(ikm: str, grade: str) -> None:
    assert survey.questionnaire().category(Decimal(ikm)).grade == grade


def test_rounding_is_half_up_to_two_decimals() -> None:
    assert survey.rounded(Fraction(76605, 1000)) == Decimal("76.61")  # B, not C
    assert survey.rounded(Fraction(88305, 1000)) == Decimal("88.31")  # A
    assert survey.rounded(Fraction(2, 3)) == Decimal("0.67")


def test_check_data_names_a_broken_questionnaire(tmp_path: Path) -> None:
    bad = tmp_path / "surveys" / "skm.yaml"
    bad.parent.mkdir()
    text = survey.questionnaire_file().read_text(encoding="utf-8")
    bad.write_text(
        text.replace('max: "76.60"', 'max: "76.50"').replace("code: U9", "code: U8"),
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["check-data", str(bad)])
    assert result.exit_code == 1
    assert "skm.yaml:" in result.output
    assert "elements[8].code: duplicate element code (value: 'U8')" in result.output
    bad.write_text(text.replace('max: "76.60"', 'max: "76.50"'), encoding="utf-8")
    result = CliRunner().invoke(cli, ["check-data", str(bad)])
    assert "categories[1].min" in result.output and "expected min 76.51" in result.output


def test_no_respondents_has_no_index() -> None:
    f = skm.figures({}, respondents=0)
    assert (f.respondents, f.ikm, f.category, f.label) == (0, None, None, None)
    assert all(m.mean is None and m.answers == 0 for m in f.elements)


# ---------------------------------------------------------------- invitation and answer


@pytest.fixture
def world(home) -> World:
    return World().setup_staff()


def closed_case(w: World, product: str = "abon", applicant: str | None = None) -> int:
    """An application withdrawn from draft: the quickest way a case closes."""
    app_id = w.new_application(product, applicant=applicant, documents=False)
    with db.transaction() as s:
        applications.withdraw(s, w.owner(s, app_id), app_id, "Tidak jadi")
    return app_id


def answer(w: World, app_id: int, scores: dict[str, object], comment: str | None = None) -> None:
    with db.transaction() as s:
        skm.answer(s, w.owner(s, app_id), app_id, scores, comment)


def test_closing_a_case_invites_its_applicant_once(world: World) -> None:
    open_id = world.new_application(documents=False)
    app_id = closed_case(world)
    with db.transaction() as s:
        assert skm.of_application(s, open_id) is None
        sv = skm.of_application(s, app_id)
        assert (sv.state, sv.product) == ("invited", "abon")
        assert skm.invite(s, application(s, app_id)).id == sv.id  # a second call finds it
        with pytest.raises(Conflict, match="still open"):
            skm.invite(s, application(s, open_id))
        pending = skm.open_invitations(s, world.owner(s, app_id))
        assert [a.id for _, a in pending] == [app_id]
        invited = s.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "survey.invited", AuditEvent.application_id == app_id
            )
        ).all()
        assert len(invited) == 1


def test_refusal_and_certification_invite_too(world: World) -> None:
    certified = world.new_application()
    world.advance_to(certified, "certified")
    refused = world.new_application()
    world.advance_to(refused, "decision", failing={"moisture"})
    with db.transaction() as s:
        decisions.decide(s, world.user(s, "decider"), refused, "refuse", "Kadar air melebihi")
    with db.transaction() as s:
        assert skm.of_application(s, certified).state == "invited"
        assert skm.of_application(s, refused).state == "invited"


def test_the_migration_invites_cases_closed_before_it(world: World) -> None:
    app_id = closed_case(world)
    cfg = alembic_config()
    for target in ("0011", "head"):
        with db.engine().begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if target == "0011" else command.upgrade)(cfg, target)
    with db.transaction() as s:
        sv = skm.of_application(s, app_id)
        assert sv.state == "invited"
        assert sv.invited_at == application(s, app_id).state_changed_at


def test_the_applicant_answers_once_and_it_is_audited(world: World) -> None:
    app_id = closed_case(world)
    answer(world, app_id, answers(4, 3, 3, 2, 4, 4, 4, 3, 3), " Pelayanan cepat. ")
    with db.transaction() as s:
        sv = skm.of_application(s, app_id)
        assert sv.state == "answered"
        assert sv.comment == "Pelayanan cepat."
        assert sv.questionnaire_version == 1
        assert skm.scores_of(sv) == answers(4, 3, 3, 2, 4, 4, 4, 3, 3)
        assert (sv.u1, sv.u4, sv.u9) == (4, 2, 3)
        event = s.scalar(select(AuditEvent).where(AuditEvent.action == "survey.answered"))
        assert event.application_id == app_id and event.actor_id == world.owner(s, app_id).id
        assert skm.open_invitations(s, world.owner(s, app_id)) == []
    with pytest.raises(IllegalTransition, match="answered"):
        answer(world, app_id, answers(1, 1, 1, 1, 1, 1, 1, 1, 1))
    with db.transaction() as s:
        assert set(skm.scores_of(skm.of_application(s, app_id)).values()) == {2, 3, 4}


def test_only_the_cases_applicant_may_answer(world: World) -> None:
    app_id = closed_case(world)
    other = world.applicant("abon", "other")
    for who in (other, "reviewer", "analyst"):
        with pytest.raises(PermissionDenied), db.transaction() as s:
            skm.answer(s, world.user(s, who), app_id, answers(*[4] * 9))
    with db.transaction() as s:
        assert skm.of_application(s, app_id).state == "invited"


def test_an_open_case_has_no_survey_to_answer(world: World) -> None:
    app_id = world.new_application(documents=False)
    with pytest.raises(Conflict, match="opens when the case closes"):
        answer(world, app_id, answers(*[4] * 9))


@pytest.mark.parametrize("bad", [0, 5, "x", "3.5", 3.0, True, None, ""])
def test_bad_scores_are_refused_naming_the_element(world: World, bad: object) -> None:
    app_id = closed_case(world)
    scores: dict[str, object] = answers(*[3] * 9)
    scores["waktu"] = bad
    with pytest.raises(InvalidInput) as caught:
        answer(world, app_id, scores)
    assert caught.value.field == "waktu"
    with db.transaction() as s:
        sv = skm.of_application(s, app_id)
        assert sv.state == "invited" and skm.scores_of(sv) == {}


def test_scores_typed_in_a_form_and_unknown_elements(world: World) -> None:
    app_id = closed_case(world)
    with pytest.raises(InvalidInput) as caught:
        answer(world, app_id, {**answers(*[3] * 9), "kebersihan": 4})
    assert caught.value.field == "kebersihan"
    missing = answers(*[3] * 9)
    del missing["sarana"]
    with pytest.raises(InvalidInput) as caught:
        answer(world, app_id, missing)
    assert caught.value.field == "sarana"
    with pytest.raises(InvalidInput) as caught:
        answer(world, app_id, answers(*[3] * 9), "x" * 2001)
    assert caught.value.field == "comment"
    answer(world, app_id, {e: "2" for e in ELEMENTS})
    with db.transaction() as s:
        assert set(skm.scores_of(skm.of_application(s, app_id)).values()) == {2}


def test_the_database_holds_one_full_answer_per_application_scores_1_to_4(world: World) -> None:
    app_id = closed_case(world)
    with pytest.raises(IntegrityError), db.transaction() as s:
        sv = skm.of_application(s, app_id)
        s.add(
            SkmSurvey(
                application_id=app_id,
                business_id=sv.business_id,
                product="abon",
                state="answered",
                invited_at=clock.now(),
            )
        )
        s.flush()
    with pytest.raises(IntegrityError), db.transaction() as s:
        skm.of_application(s, app_id).u3 = 5
        s.flush()
    with pytest.raises(IntegrityError), db.transaction() as s:  # answered, U9 left out
        sv = skm.of_application(s, app_id)
        sv.state, sv.u1, sv.u2, sv.u3, sv.u4 = "answered", 4, 4, 4, 4
        sv.u5, sv.u6, sv.u7, sv.u8 = 4, 4, 4, 4
        s.flush()


def test_migration_0015_moves_the_scores_both_ways(world: World) -> None:
    app_id = closed_case(world)
    answer(world, app_id, answers(1, 2, 3, 4, 4, 3, 2, 1, 2))
    cfg = alembic_config()
    with db.engine().begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0014")
        rows = conn.exec_driver_sql("SELECT element, score FROM skm_scores").all()
        assert dict(rows) == answers(1, 2, 3, 4, 4, 3, 2, 1, 2)
        command.upgrade(cfg, "head")
    with db.transaction() as s:
        assert skm.scores_of(skm.of_application(s, app_id)) == answers(1, 2, 3, 4, 4, 3, 2, 1, 2)


# ---------------------------------------------------------------- summary


def at(day: str) -> None:
    clock.freeze(datetime.fromisoformat(f"{day}T02:00:00").replace(tzinfo=UTC))  # 10:00 WITA


def test_summary_per_product_and_period(world: World) -> None:
    at("2026-03-02")
    abon_march = closed_case(world, "abon")
    answer(world, abon_march, answers(*[4] * 9))
    at("2026-03-20")
    emping_march = closed_case(world, "emping")
    answer(world, emping_march, answers(*[3] * 9), "Mohon pengujian dipercepat")
    at("2026-04-05")
    abon_april = closed_case(world, "abon")
    answer(world, abon_april, answers(3, 4, 3, 2, 4, 3, 4, 3, 3))
    closed_case(world, "abon")  # invited, never answered: not a respondent
    with db.reading() as s:
        march = skm.summary(s, date(2026, 3, 1), date(2026, 3, 31))
        assert march.respondents == 2
        assert march.ikm == Decimal("87.50")  # means 3.5 everywhere
        assert march.category == "B"
        assert march.by_product["abon"].ikm == Decimal("100.00")
        assert march.by_product["emping"].ikm == Decimal("75.00")
        assert march.by_product["sasando"].respondents == 0
        assert march.by_product["sasando"].ikm is None

        spring = skm.summary(s, date(2026, 3, 1), date(2026, 4, 30), product="abon")
        assert spring.product == "abon" and list(spring.by_product) == ["abon"]
        assert spring.respondents == 2
        # means 3.5 4 3.5 3 4 3.5 4 3.5 3.5 = 32.5; /9 x 25 = 90.277... -> 90.28 A
        assert spring.ikm == Decimal("90.28") and spring.category == "A"
        assert spring.elements[3].mean == Decimal("3.00")
        assert spring.elements[3].answers == 2

        # local dates: answered at 10:00 WITA on 5 April counts in a period ending that day
        assert skm.summary(s, date(2026, 4, 5), date(2026, 4, 5)).respondents == 1
        assert skm.summary(s, date(2026, 4, 6), date(2026, 12, 31)).respondents == 0

        # the comments are for the LSPro's review, by period and product
        [(at_, product, comment)] = skm.comments(s, date(2026, 3, 1), date(2026, 4, 30))
        assert (product, comment) == ("emping", "Mohon pengujian dipercepat")
        assert skm.comments(s, date(2026, 3, 1), date(2026, 4, 30), product="abon") == []


def test_summary_refuses_bad_periods_and_products(world: World) -> None:
    with db.reading() as s:
        with pytest.raises(InvalidInput) as caught:
            skm.summary(s, date(2026, 4, 1), date(2026, 3, 1))
        assert caught.value.field == "date_to"
        with pytest.raises(InvalidInput) as caught:
            skm.summary(s, date(1, 1, 1), date(1, 1, 2))
        assert caught.value.field == "date_from"
        with pytest.raises(InvalidInput) as caught:
            skm.summary(s, date(9999, 12, 30), date(9999, 12, 31))
        assert caught.value.field == "date_from"
        with pytest.raises(InvalidInput) as caught:
            skm.summary(s, date(2020, 1, 1), date(2031, 1, 1))
        assert caught.value.field == "date_to"
        with pytest.raises(InvalidInput) as caught:
            skm.summary(s, date(2026, 1, 1), date(2026, 12, 31), product="rendang")
        assert caught.value.field == "product"
