"""Working days skip weekends, Indonesia's national holidays and cuti bersama (the `holidays`
package), and the days the LSPro adds in products/holidays.yaml; the days are local dates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from snicert import clock
from snicert.cli import app as cli

WITA = "+08:00"


@pytest.fixture(autouse=True)
def _fresh_days_off() -> Iterator[None]:
    clock.forget_days_off()
    yield
    clock.forget_days_off()


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_package_knows_indonesia_2025_to_2028() -> None:
    for year, new_year in [(2025, 1), (2026, 1), (2027, 1), (2028, 1)]:
        assert not clock.is_working_day(date(year, 1, new_year))
        assert not clock.is_working_day(date(year, 8, 17)) or date(year, 8, 17).weekday() >= 5
        assert not clock.is_working_day(date(year, 12, 25)) or date(year, 12, 25).weekday() >= 5


def test_a_due_date_across_idul_fitri_and_its_cuti_bersama_2026() -> None:
    # Nyepi (Thu 19 March) with its cuti bersama (Wed 18), Idul Fitri (Sat 21, Sun 22) with
    # cuti bersama Fri 20, Mon 23, Tue 24: from Tuesday 17 March the next working day is
    # Wednesday 25 March, not Wednesday 18.
    start = _at(f"2026-03-17T10:00:00{WITA}")
    assert clock.add_working_days(start, 1) == _at(f"2026-03-25T10:00:00{WITA}")
    assert clock.add_working_days(start, 3) == _at(f"2026-03-27T10:00:00{WITA}")
    assert clock.working_days_between(date(2026, 3, 17), date(2026, 3, 25)) == 1
    assert clock.working_days_between(date(2026, 3, 13), date(2026, 3, 27)) == 5
    for day_off in (18, 19, 20, 23, 24):
        assert not clock.is_working_day(date(2026, 3, day_off))


def test_a_due_date_across_a_weekend() -> None:
    friday = _at(f"2026-03-06T09:30:00{WITA}")
    assert clock.add_working_days(friday, 1) == _at(f"2026-03-09T09:30:00{WITA}")
    assert clock.add_working_days(friday, 5) == _at(f"2026-03-13T09:30:00{WITA}")
    assert clock.working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1
    assert clock.working_days_between(date(2026, 3, 7), date(2026, 3, 10)) == 2
    assert clock.working_days_between(date(2026, 3, 6), date(2026, 3, 6)) == 0


def test_the_days_are_local_to_the_lspro() -> None:
    # 17:00 UTC on Tuesday 24 March (cuti bersama in Kupang is over: it is already Wednesday
    # 25 March 01:00 WITA): one working day later is Thursday 26 March in Kupang.
    start = datetime(2026, 3, 24, 17, 0, tzinfo=UTC)
    assert clock.add_working_days(start, 1) == datetime(2026, 3, 25, 17, 0, tzinfo=UTC)


def _data_dir(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "products").mkdir()
    path = tmp_path / "products" / "holidays.yaml"
    path.write_text(text, encoding="utf-8")
    monkeypatch.setenv("SNICERT_DATA_DIR", str(tmp_path))
    clock.forget_days_off()
    return path


LOCAL_DAY = """\
days:
  - date: 2026-11-27
    name: {id: Hari libur daerah, en: Local holiday}
    kind: local
    reference: Surat Edaran Wali Kota Kupang (test)
"""


def test_a_holiday_only_in_the_data_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    thursday = _at(f"2026-11-26T08:00:00{WITA}")
    assert clock.add_working_days(thursday, 1) == _at(f"2026-11-27T08:00:00{WITA}")
    _data_dir(tmp_path, LOCAL_DAY, monkeypatch)
    assert not clock.is_working_day(date(2026, 11, 27))
    assert clock.add_working_days(thursday, 1) == _at(f"2026-11-30T08:00:00{WITA}")
    assert clock.working_days_between(date(2026, 11, 26), date(2026, 11, 30)) == 1
    # the management review numbers its calendar with the same rule
    numbers = clock.working_day_numbers(date(2026, 11, 26), date(2026, 11, 30))
    assert numbers[date(2026, 11, 30)] - numbers[date(2026, 11, 26)] == 1


IMPOSSIBLE_DATE = (
    LOCAL_DAY
    + """\
  - date: 2026-13-01
    name: {id: Libur, en: Day off}
    kind: local
    reference: SE Wali Kota
"""
)

UNKNOWN_KIND = LOCAL_DAY.replace("kind: local", "kind: bridge")


def test_check_data_names_a_broken_holidays_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _data_dir(tmp_path, IMPOSSIBLE_DATE, monkeypatch)
    monkeypatch.delenv("SNICERT_DATA_DIR")  # the repo's products are checked beside it
    result = CliRunner().invoke(cli, ["check-data", str(path)])
    assert result.exit_code == 1
    assert f"{path}:6: days[1].date: not a date" in result.output
    assert "'2026-13-01'" in result.output

    path.write_text(UNKNOWN_KIND, encoding="utf-8")
    result = CliRunner().invoke(cli, ["check-data", str(path)])
    assert result.exit_code == 1
    assert f"{path}:4: days[0].kind:" in result.output
    assert "'bridge'" in result.output


def test_a_date_listed_twice_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    twice = LOCAL_DAY + LOCAL_DAY.removeprefix("days:\n")
    path = _data_dir(tmp_path, twice, monkeypatch)
    result = CliRunner().invoke(cli, ["check-data", str(tmp_path / "products")])
    assert result.exit_code == 1
    assert f"{path}:6: days[1].date: date listed twice" in result.output
    with pytest.raises(Exception, match="date listed twice"):
        clock.is_working_day(date(2026, 11, 27))


def test_the_shipped_holidays_file_is_valid() -> None:
    result = CliRunner().invoke(cli, ["check-data", "products"])
    assert result.exit_code == 0, result.output
