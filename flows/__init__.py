"""Prefect flows of snicert (deployed by prefect.yaml)."""

from snicert.prefect_env import configure

configure()
