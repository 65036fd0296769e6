"""The embedded runner: serves snicert's deployments from this machine (the daily sweep's
schedule, and certification runs started from the Prefect UI). `snicert serve` starts it."""

from __future__ import annotations

from prefect import serve
from prefect.schedules import Cron

import flows  # noqa: F401  (configures Prefect before it is imported)
from flows.certification import certification
from flows.surveillance import sweep

SWEEP_CRON = "0 6 * * *"  # every morning, Kupang time
SWEEP_TZ = "Asia/Makassar"


def main() -> None:
    serve(
        certification.to_deployment(name="certification"),
        sweep.to_deployment(name="surveillance", schedule=Cron(SWEEP_CRON, timezone=SWEEP_TZ)),
        print_starting_message=False,
    )


if __name__ == "__main__":
    main()
