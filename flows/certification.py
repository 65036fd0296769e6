"""A case's automated stages, as a Prefect background task.

`advance(application_id)` moves the case as far as its recorded inputs allow and ends
when a person must act. After a person's action the web app (or whoever acted) submits it
with `.delay()` (snicert.effects.dispatch) and returns at once; a task worker (`snicert
worker`, or the one `snicert serve` starts) receives it from the Prefect server and runs
it. Several workers share the runs: the server hands each run to one of them.

Each stage is one transaction that re-reads the state under the row lock
(snicert.stages), so a run delivered twice, or two runs of one case at once, move it once.
The run's final state is named after what the case waits for (the Prefect UI shows it).
"""

from __future__ import annotations

from prefect import task
from prefect.cache_policies import RUN_ID
from prefect.states import Completed, State

from snicert import stages


# A task worker persists every result and gives a task without a cache policy Prefect's
# default one (inputs and source: a run of the same application would be read from the
# cache and do nothing). RUN_ID keys each run by its own id: every run runs.
@task(
    name="advance",
    task_run_name="application-{application_id}",
    cache_policy=RUN_ID,
    retries=2,  # the stages that write files may meet a passing I/O error
    retry_delay_seconds=1,
)
def advance(application_id: int) -> State:
    stages.run_until_waiting(application_id)
    st = stages.status(application_id)
    if st.awaiting_role:
        due = f" by {st.due_at:%Y-%m-%d}" if st.due_at else ""
        return Completed(
            name=f"Awaiting {st.awaiting_role}", message=f"{st.number}: {st.awaiting_action}{due}"
        )
    return Completed(name=st.state.capitalize(), message=f"{st.number}: {st.state}")


# What a task worker serves (flows/worker.py).
TASKS = (advance,)
