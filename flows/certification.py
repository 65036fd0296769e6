"""The certification flow: one run per application, moving the case as far as its recorded
inputs allow. When a person must act, the run records nothing else and ends; the
person's action (through the service layer) starts the next run.

Every stage is a named task so the Prefect UI shows where each application stands; the
run's final state is named after what it waits for.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from prefect import Task, flow, task
from prefect.context import SettingsContext, get_settings_context
from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, PREFECT_RESULTS_LOCAL_STORAGE_PATH
from prefect.states import Completed, State

from flows.local_client import shared_client
from snicert import prefect_server, stages


def _stage(fn: Callable[[int], bool], name: str, retries: int = 0) -> Task:
    # No result persistence: the database is the record, and it saves a request per task.
    return task(fn, name=name, retries=retries, retry_delay_seconds=1, persist_result=False)


# One task per automated step (stages.AUTOMATED); each step is one transaction, so a
# retry starts clean.
STAGE_TASKS = {
    state: _stage(step.run, step.name, step.retries) for state, step in stages.AUTOMATED.items()
}


# Nothing is persisted, but without a storage named here Prefect asks the server for its
# default storage twice per run (2 of 8 requests); this is the local default it would use.
@flow(
    name="certification",
    flow_run_name="application-{application_id}",
    validate_parameters=False,
    persist_result=False,
    result_storage=Path(PREFECT_RESULTS_LOCAL_STORAGE_PATH.value()),
)
def certification(application_id: int) -> State:
    for _ in range(len(STAGE_TASKS) + 1):
        step = STAGE_TASKS.get(stages.status(application_id).state)
        if step is None or not step(application_id):
            break
    st = stages.status(application_id)
    if st.awaiting_role:
        due = f" by {st.due_at:%Y-%m-%d}" if st.due_at else ""
        return Completed(
            name=f"Awaiting {st.awaiting_role}", message=f"{st.number}: {st.awaiting_action}{due}"
        )
    return Completed(name=st.state.capitalize(), message=f"{st.number}: {st.state}")


@cache
def _local_settings() -> tuple[Any, Any]:
    # Built once: constructing Prefect settings costs ~60 ms, once per run if done per run.
    prefect_server.ensure_api()
    ctx = get_settings_context()
    return ctx.profile, ctx.settings.copy_with_update(
        updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    )


def run_local(application_id: int) -> None:
    """Run in this process (embedded mode). No heartbeat: it adds ~1 s to every synchronous
    run here, and crash detection is the worker's job, not an in-process call's."""
    profile, settings = _local_settings()
    with SettingsContext(profile=profile, settings=settings), shared_client():
        certification(application_id)
