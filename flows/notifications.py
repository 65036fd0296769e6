"""Delivery of the notification outbox (snicert.notifications.delivery): scheduled every
minute under `snicert serve`, and started right after a commit that wrote messages."""

from __future__ import annotations

from prefect import flow

from snicert.notifications import delivery


@flow(name="deliver-notifications", retries=0)
def notifications() -> dict[str, int]:
    """Send what is due; each message keeps its own retries and back-off in the outbox
    (a flow retry would re-send what already went out)."""
    return delivery.drain()
