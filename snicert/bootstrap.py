"""Create or upgrade the database and load the shipped data (used by `snicert init`)."""

from __future__ import annotations

from dataclasses import dataclass

from snicert.catalog import Catalog, default_catalog
from snicert.certs import ensure_keypair
from snicert.db import engine as db
from snicert.db.migrate import upgrade
from snicert.services import accounts, checklists


@dataclass
class InitReport:
    database: str
    checklists_loaded: list[str]
    official: str | None


def init(
    official_email: str | None = None,
    official_name: str | None = None,
    official_password: str | None = None,
    catalog: Catalog | None = None,
) -> InitReport:
    """Idempotent: running it again upgrades the schema and loads only what changed."""
    catalog = catalog or default_catalog()
    ensure_keypair()  # the certificate signing key, under SNICERT_HOME/keys
    upgrade(db.engine())
    with db.transaction() as s:
        system = accounts.system_user(s)
        loaded = checklists.sync(s, system, catalog)
        official = None
        if official_email:
            official = accounts.bootstrap_official(
                s, official_email, official_name or official_email, official_password
            ).email
    return InitReport(
        str(db.engine().url.render_as_string(hide_password=True)),
        [f"{r.product} v{r.version}" for r in loaded],
        official,
    )
