"""The LSPro's identity and site settings: sources, validation, the CLI, and what the
issued papers print."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from snicert import evaluation_report, reports, settings, synthetic
from snicert.certs.keys import KeyPair
from snicert.certs.render import render_certificate
from snicert.cli import app as cli
from snicert.db import engine as db
from snicert.db.models import Application, Certificate, Output
from snicert.errors import Conflict
from snicert.services import certificates
from snicert.services.guards import user_by_email
from tests.world import World


def _clear_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in settings.NAMES:
        monkeypatch.delenv(settings.env_name(name), raising=False)


def test_environment_wins_over_the_file_which_wins_over_defaults(home, monkeypatch) -> None:
    _clear_env(monkeypatch)
    assert settings.current().public_url == "http://127.0.0.1:8000"
    assert settings.current().timezone == "Asia/Makassar"
    settings.write({"lab_name": "Lab dari berkas", "public_url": "https://sni.example.id/"})
    cfg = settings.current()
    assert (cfg.lab_name, cfg.public_url) == ("Lab dari berkas", "https://sni.example.id")
    assert settings.source_of("lab_name") == str(home / "snicert.toml")
    monkeypatch.setenv("SNICERT_LAB_NAME", "Lab dari lingkungan")
    assert settings.current().lab_name == "Lab dari lingkungan"
    assert settings.source_of("lab_name") == "SNICERT_LAB_NAME"
    assert settings.source_of("timezone") == "default"


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("lspro_accreditation", "LSPr-12-IDN", "LSPr-123-IDN"),
        ("lab_accreditation", "LSPr-001-IDN", "LP-123-IDN"),
        ("public_url", "ftp://sni.example.id", "http://"),
        ("public_url", "sni.example.id", "http://"),
        ("timezone", "Asia/Kupang", "time zone"),
        ("signatory_name", "Ana\nBaru", "one line"),
    ],
)
def test_a_bad_value_is_named_with_its_source(home, monkeypatch, name, value, words) -> None:
    _clear_env(monkeypatch)
    monkeypatch.setenv(settings.env_name(name), value)
    with pytest.raises(settings.SettingsError) as err:
        settings.current()
    assert f"setting {name} ({settings.env_name(name)})" in str(err.value)
    assert words in str(err.value)
    # the same value is refused by `snicert settings set`, naming the file; nothing written
    monkeypatch.delenv(settings.env_name(name))
    result = CliRunner().invoke(cli, ["settings", "set", name, value])
    assert result.exit_code == 2
    assert name in result.output and words in result.output
    assert not (home / "snicert.toml").exists()


def test_a_broken_or_unknown_file_entry_is_named(home, monkeypatch) -> None:
    _clear_env(monkeypatch)
    (home / "snicert.toml").write_text('lspro_nama = "typo"\n')
    with pytest.raises(settings.SettingsError, match="unknown setting lspro_nama"):
        settings.current()
    (home / "snicert.toml").write_text("lab_name = 5\n")
    with pytest.raises(settings.SettingsError, match="lab_name must be text"):
        settings.current()
    (home / "snicert.toml").write_text("lab_name = \n")
    with pytest.raises(settings.SettingsError, match="not valid TOML"):
        settings.current()
    result = CliRunner().invoke(cli, ["settings"])
    assert result.exit_code == 2 and "not valid TOML" in result.output


def test_cli_sets_and_prints_the_settings(home, monkeypatch) -> None:
    _clear_env(monkeypatch)
    runner = CliRunner()
    result = runner.invoke(cli, ["settings", "set", "lspro_accreditation", "LSPr-042-IDN"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["settings", "set", "lspro_name", 'LSPro "Flobamora"'])
    assert result.exit_code == 0, result.output
    assert 'lspro_name = "LSPro \\"Flobamora\\""' in (home / "snicert.toml").read_text()
    shown = runner.invoke(cli, ["settings", "--json"])
    rows = {r["name"]: r for r in json.loads(shown.output)}
    assert rows["lspro_accreditation"]["value"] == "LSPr-042-IDN"
    assert rows["lspro_name"]["value"] == 'LSPro "Flobamora"'
    assert rows["lspro_name"]["source"] == str(home / "snicert.toml")
    assert rows["timezone"] == {
        "name": "timezone",
        "value": "Asia/Makassar",
        "source": "default",
        "required": False,
    }
    text = runner.invoke(cli, ["settings"]).output
    assert "signatory_name" in text and "(missing)" in text
    assert "identity incomplete: lspro_address" in text
    result = runner.invoke(cli, ["settings", "set", "colour", "blue"])
    assert result.exit_code == 2 and "unknown setting colour" in result.output


def test_init_without_a_terminal_names_the_missing_identity(home, monkeypatch) -> None:
    _clear_env(monkeypatch)
    result = CliRunner().invoke(cli, ["init"])
    assert result.exit_code == 0, result.output
    assert "identity incomplete" in result.output
    assert "lspro_accreditation" in result.output and "snicert settings set" in result.output


def test_issuance_is_refused_while_the_identity_is_incomplete(home, monkeypatch) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "approved")
    monkeypatch.delenv("SNICERT_SIGNATORY_NAME")
    monkeypatch.delenv("SNICERT_LSPRO_ACCREDITATION")
    with pytest.raises(Conflict) as err, db.transaction() as s:
        certificates.issue(s, user_by_email(s, "decider@lspro.example"), app_id)
    assert "SNICERT_LSPRO_ACCREDITATION" in str(err.value)
    assert "SNICERT_SIGNATORY_NAME" in str(err.value)
    with db.transaction() as s:
        assert s.scalar(select(func.count()).select_from(Certificate)) == 0
        assert s.get(Application, app_id).state == "approved"


def test_the_issued_papers_name_the_lspro_the_signatory_and_the_lab(home) -> None:
    w = World().setup_staff()
    app_id = w.new_application("abon")
    w.advance_to(app_id, "certified")
    ident = synthetic.IDENTITY
    with db.transaction() as s:
        cert = s.scalar(select(Certificate).where(Certificate.application_id == app_id))
        assert cert.data["certification_body"] == {
            "name": ident["lspro_name"],
            "address": ident["lspro_address"],
            "accreditation": ident["lspro_accreditation"],
            "signatory": {"name": ident["signatory_name"], "title": ident["signatory_title"]},
        }
        outputs = {o.kind: home / o.path for o in s.scalars(select(Output))}
    cert_html = outputs["html"].read_text()
    for key in ("lspro_name", "lspro_accreditation", "signatory_name", "signatory_title"):
        assert ident[key] in cert_html
    assert "LSPr-099-IDN" in cert_html and "Terakreditasi KAN" in cert_html
    vc = json.loads(outputs["json"].read_text())
    assert vc["issuer"]["name"] == ident["lspro_name"]
    with db.transaction() as s:  # rendered files are moved into place after the commit
        html_path = reports.render_test_report(s, s.get(Application, app_id))[0].path
        evaluation_path = evaluation_report.render(s, s.get(Application, app_id))[0].path
    text = (home / html_path).read_text()
    assert ident["lab_name"] in text and "LP-099-IDN" in text
    assert "WITA" in text and "belum diatur" not in text
    evaluation = (home / evaluation_path).read_text()
    assert ident["lspro_name"] in evaluation and "LSPr-099-IDN" in evaluation
    assert "UTC" not in evaluation


def test_certificate_dates_follow_the_time_zone_setting(monkeypatch) -> None:
    # 23:30 UTC on 31 December is already 1 January in Kupang (UTC+8)
    issued = datetime(2026, 12, 31, 23, 30, tzinfo=UTC).isoformat()
    data = synthetic.certificate_data(issued_at=issued)
    monkeypatch.delenv("SNICERT_TIMEZONE", raising=False)
    html = render_certificate(data, None, KeyPair.generate()).html.decode()
    assert "1 Januari 2027" in html
    monkeypatch.setenv("SNICERT_TIMEZONE", "UTC")
    html = render_certificate(data, None, KeyPair.generate()).html.decode()
    assert "31 Desember 2026" in html


def test_the_demo_stores_a_made_up_identity_only_where_the_home_has_none(home, monkeypatch) -> None:
    from snicert import demo

    _clear_env(monkeypatch)
    settings.write({"lspro_name": "LSPro Milik Sendiri"})
    demo.use_demo_identity()
    stored = settings.read_file(home / "snicert.toml")
    assert stored["lspro_name"] == "LSPro Milik Sendiri"  # the home's own value is kept
    assert stored["lspro_accreditation"] == synthetic.IDENTITY["lspro_accreditation"]
    assert settings.current().missing_identity() == []
    # what runs on the home afterwards (serve, exports) sees the same body
    monkeypatch.delenv("SNICERT_MAIL_FROM_ADDRESS", raising=False)
    assert settings.current().signatory_name == synthetic.IDENTITY["signatory_name"]
