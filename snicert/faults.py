"""Fault injection for crash tests: SNICERT_FAULT=<point> makes the process hang at that
point (inside the stage's open transaction) so a test can kill it there;
<point>:fail makes the step raise there (its transaction rolls back), and
<point>:pause=<seconds> holds it there that long, then lets it go on. SNICERT_FAULT_MARKER
names a file written when the point is reached."""

from __future__ import annotations

import os
import time


class InjectedFault(RuntimeError):
    pass


def point(name: str) -> None:
    at, _, how = os.environ.get("SNICERT_FAULT", "").partition(":")
    if at != name:
        return
    marker = os.environ.get("SNICERT_FAULT_MARKER")
    if marker:
        with open(marker, "w") as fh:
            fh.write(name)
    if how == "fail":
        raise InjectedFault(f"fault injected at {name}")
    if how.startswith("pause="):
        time.sleep(float(how.removeprefix("pause=")))
        return
    while True:
        time.sleep(1)
