"""Nothing stays stuck: every minute, each application whose automated step has been due
longer than queries.RESUME_AFTER (a run failed, its worker died, or it was never started)
is dispatched again through effects.dispatch, the one seam that starts automated work.
Re-dispatching a case whose step is in fact still running duplicates nothing: each step
re-reads the state under the application's row lock (snicert/stages.py). Each case's
mark is then decided again, so one its step no longer needs leaves the list."""

from __future__ import annotations

import logging

from prefect import flow

from snicert import effects, queries, stages
from snicert.db import engine as db

log = logging.getLogger(__name__)


@flow(name="resume")
def resume() -> list[int]:
    with db.reading() as s:
        ids = queries.waiting_on_system(s, queries.RESUME_AFTER)
    for app_id in ids:
        try:
            effects.dispatch(app_id)
            stages.remark(app_id)
        except Exception:  # one case's failure must not keep the others waiting
            log.exception("resuming application %s failed", app_id)
    return ids
