"""A case's timeline as its applicant reads it: each recorded step in plain words (a text
per audit action, `ev_<entity>_<event>`), repeats in a row folded into one line with a
count (21 results entered by one analyst are one step to the applicant)."""

from __future__ import annotations

from typing import Any

from snicert.messages import has


def text_key(action: str) -> str:
    key = "ev_" + action.replace(".", "_")
    return key if has(key) else "ev_other"


def steps(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`events` oldest first, as the detail view lists them; the steps newest first."""
    out: list[dict[str, Any]] = []
    for e in events:
        last = out[-1] if out else None
        if last and last["action"] == e["action"] and last["by"] == e["by"]:
            last["count"] += 1
            last["at"] = e["at"]
            continue
        out.append(
            {
                "at": e["at"],
                "action": e["action"],
                "text": text_key(e["action"]),
                "to": e["data"].get("to"),
                "by": e["by"],
                "count": 1,
            }
        )
    return out[::-1]
