"""Rendered reports: the evaluation report that compiles every item and parameter."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from snicert import clock, outputs
from snicert.db.models import Application, Output
from snicert.services.decisions import findings


def requirement_text(req: dict[str, Any]) -> str:
    kind = req["kind"]
    if kind == "max":
        return f"maks. {req['max']}"
    if kind == "min":
        return f"min. {req['min']}"
    if kind == "range":
        return f"{req['min']} – {req['max']}"
    if kind == "equals":
        return f"= {req['value']}"
    if kind == "one_of":
        return " / ".join(str(v) for v in req["values"])
    return {"negative": "negatif / tidak terdeteksi", "sensory_normal": "normal",
            "pass_fail": "lulus / pass"}[kind]


def render_evaluation(s: Session, app: Application) -> Output:
    """Render (once) the evaluation report of the application's current evidence."""
    owner = f"application:{app.id}"
    existing = outputs.find(s, owner, "evaluation_report")
    if existing is not None:
        return existing
    env = outputs.templates()
    env.filters.setdefault("requirement", requirement_text)
    html = env.get_template("evaluation_report.html.j2").render(
        app=app, product=app.product_snapshot, checklist=app.checklist_snapshot,
        findings=findings(s, app), generated_at=clock.now().strftime("%Y-%m-%d %H:%M UTC"))
    return outputs.write(s, owner, "evaluation_report",
                         f"outputs/{app.number}/evaluation-report.html", html.encode(),
                         "text/html")
