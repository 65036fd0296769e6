"""Create or upgrade the database and load the shipped data (used by `snicert init`)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from snicert import audit
from snicert.catalog import Catalog, default_catalog
from snicert.certs import ensure_keypair
from snicert.certs.keys import AUDIT, PRIVATE_FILE, key_dir
from snicert.db import engine as db
from snicert.db.migrate import upgrade
from snicert.db.models import User, UserRole
from snicert.roles import Role
from snicert.services import accounts, checklists


@dataclass
class InitReport:
    database: str
    revision_before: str | None  # None: the database was empty
    revision: str | None
    key_created: bool
    checklists_loaded: list[str]


def init(catalog: Catalog | None = None) -> InitReport:
    """Idempotent: running it again upgrades the schema and loads only what changed."""
    catalog = catalog or default_catalog()
    key_created = not (key_dir() / PRIVATE_FILE).exists()
    ensure_keypair()  # the certificate signing key, under SNICERT_HOME/keys
    ensure_keypair(purpose=AUDIT)  # the audit checkpoints' key, under SNICERT_HOME/keys/audit
    before, after = upgrade(db.engine())
    with db.transaction() as s:
        audit.adopt_unsigned_head(s)
        system = accounts.system_user(s)
        loaded = checklists.sync(s, system, catalog)
    return InitReport(
        str(db.engine().url.render_as_string(hide_password=True)),
        before,
        after,
        key_created,
        [
            f"{r.product} v{r.version}" + (" (site audit)" if r.kind == "audit" else "")
            for r in loaded
        ],
    )


def officials() -> list[str]:
    """E-mails of the officials (active or not): `snicert init` creates only the first."""
    with db.reading() as s:
        return list(
            s.scalars(
                select(User.email)
                .join(UserRole)
                .where(UserRole.role == Role.OFFICIAL.value)
                .order_by(User.email)
            )
        )


def first_official(email: str, name: str | None, password: str | None) -> bool:
    """Create the first official; False if this official already exists (then nothing
    changes, not even the password)."""
    with db.transaction() as s:
        _, created = accounts.bootstrap_official(s, email, name or email, password)
    return created
