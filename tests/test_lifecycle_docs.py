"""docs/lifecycles is generated from the lifecycle tables and kept in step with them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from snicert import lifecycle, lifecycle_docs
from snicert.cli import app
from snicert.roles import Role

DOCS = Path(__file__).resolve().parents[1] / "docs" / "lifecycles"


def test_the_diagrams_match_the_tables(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["docs", "lifecycles", "--folder", str(tmp_path)])
    assert result.exit_code == 0, result.output
    fresh = {p.name: p.read_text(encoding="utf-8") for p in tmp_path.glob("*.md")}
    kept = {p.name: p.read_text(encoding="utf-8") for p in DOCS.glob("*.md")}
    stale = sorted(name for name in fresh if kept.get(name) != fresh[name])
    assert not stale, f"run `snicert docs lifecycles`: {stale} differ from the tables"
    assert sorted(kept) == sorted(fresh)


def test_a_changed_table_changes_its_diagram(monkeypatch: pytest.MonkeyPatch) -> None:
    before = lifecycle_docs.pages()
    lc = lifecycle.LIFECYCLES["sample"]
    extra = lifecycle.Transition(
        "lose",
        frozenset({lifecycle.SampleState.SEALED}),
        lifecycle.SampleState.REJECTED,
        frozenset({Role.SAMPLER}),
        "lost",
    )
    changed = replace(lc, transitions=(*lc.transitions, extra))
    monkeypatch.setitem(lifecycle.LIFECYCLES, "sample", changed)
    after = lifecycle_docs.pages()
    assert "sealed --> rejected : lose (sampler)" in after["sample.md"]
    assert after["sample.md"] != before["sample.md"]
    assert {k for k in before if before[k] != after[k]} == {"sample.md"}


def test_every_state_is_reached_and_every_page_lists_its_final_states() -> None:
    for name, lc in lifecycle.LIFECYCLES.items():
        reached = set(lc.born) | {t.target for t in lc.transitions}
        assert reached == set(lc.states), name
        page = lifecycle_docs.render(lc)
        for final in lc.final():
            assert f"    {final} --> [*]" in page


def test_an_old_page_of_a_removed_table_goes(tmp_path: Path) -> None:
    (tmp_path / "gone.md").write_text(lifecycle_docs.HEADER + "\n", encoding="utf-8")
    (tmp_path / "notes.md").write_text("written by hand\n", encoding="utf-8")
    lifecycle_docs.write(tmp_path)
    assert not (tmp_path / "gone.md").exists()
    assert (tmp_path / "notes.md").exists()
