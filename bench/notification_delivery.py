"""What notifications cost: notify() in its own transaction (in-app row, outbox row and
audit event), then delivering the outbox as e-mails to a local SMTP server (aiosmtpd,
started here on a free loopback port) with one deliverer, and with two at once.

Runs on a fresh SQLite home in a temporary folder. Prints the figures.

Usage: python bench/notification_delivery.py [COUNT]   (default 300 messages per round)
"""

from __future__ import annotations

import os
import random
import socket
import sys
import tempfile
import threading
import time

home = tempfile.mkdtemp(prefix="snicert-bench-notify-")
os.environ["SNICERT_HOME"] = home
os.environ["SNICERT_DATABASE_URL"] = f"sqlite:///{home}/snicert.db"
os.environ["SNICERT_FLOW_MODE"] = "off"  # deliveries only where this script starts them

from aiosmtpd.controller import Controller  # noqa: E402

from snicert import bootstrap, synthetic  # noqa: E402
from snicert.db import engine as db  # noqa: E402
from snicert.db.models import User  # noqa: E402
from snicert.notifications import delivery  # noqa: E402
from snicert.services import accounts, notifications  # noqa: E402

PARAMS = {"number": "ABN-2026-0001", "product": "Abon"}


class Counter:
    accepted = 0

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: ANN001
        Counter.accepted += 1
        return "250 OK"


def write(user_id: int, prefix: str, count: int) -> float:
    start = time.perf_counter()
    for i in range(count):
        with db.transaction() as s:
            user = s.get(User, user_id)
            notifications.notify(s, user, "application_received", PARAMS, "/me", f"{prefix}{i}")
    return time.perf_counter() - start


def _deliverer(sent: list[int]) -> None:
    while n := delivery.deliver_due(limit=20)["sent"]:
        sent.append(n)


def main(count: int) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Counter(), hostname="127.0.0.1", port=port)
    controller.start()
    os.environ["SNICERT_SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    os.environ["SNICERT_MAIL_FROM_ADDRESS"] = "sertifikasi@lspro.example"
    bootstrap.init()
    info = synthetic.business("abon", 0, random.Random(1))
    with db.transaction() as s:
        user_id = accounts.register_applicant(
            s,
            email="bench@umkm.example",
            name=info["name"],
            password=None,
            business_name=info["business_name"],
            nib=info["nib"],
            address=info["address"],
        ).id
    took = write(user_id, "a", count)
    print(f"notify() in its own transaction: {took / count * 1000:.2f} ms each ({count} calls)")
    start = time.perf_counter()
    sent = delivery.drain()["sent"]
    took = time.perf_counter() - start
    print(f"one deliverer: {sent} e-mails in {took:.2f} s ({sent / took:.0f}/s)")
    write(user_id, "b", count)
    sent_both: list[int] = []
    threads = [threading.Thread(target=_deliverer, args=(sent_both,)) for _ in range(2)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    took = time.perf_counter() - start
    print(
        f"two deliverers at once: {sum(sent_both)} e-mails in {took:.2f} s "
        f"({sum(sent_both) / took:.0f}/s); the server accepted {Counter.accepted} in all"
    )
    controller.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
