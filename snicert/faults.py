"""Fault injection for crash tests: SNICERT_FAULT=<point> makes the process hang at that
point (inside the stage's open transaction) so a test can kill it there."""

from __future__ import annotations

import os
import time


def point(name: str) -> None:
    if os.environ.get("SNICERT_FAULT") == name:
        marker = os.environ.get("SNICERT_FAULT_MARKER")
        if marker:
            with open(marker, "w") as fh:
                fh.write(name)
        while True:
            time.sleep(1)
