"""The `snicert` command line. A thin caller of the service layer: no rules live here."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer

from snicert.catalog import DataError, load_catalog
from snicert.prefect_env import configure as configure_prefect

configure_prefect()
app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="snicert: SNI product certification workflow for UMKM goods.",
)


def _fail(message: str, code: int = 1) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


@app.command("check-data")
def check_data(
    dirs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Folders or files to check (default: the repo's products/, checklists/, surveys/)"
        ),
    ] = None,
) -> None:
    """Validate product, checklist, unit, holiday and survey files; exit 1 naming each problem."""
    try:
        cat = load_catalog(dirs or None)
    except DataError as exc:
        for p in exc.problems:
            typer.echo(f"error: {p}", err=True)
        _fail(f"{len(exc.problems)} problem(s) found")
        return
    typer.echo(
        f"ok: {len(cat.products)} products, {len(cat.checklists)} checklists, "
        f"{len(cat.audit_checklists)} audit checklists"
    )


@app.command("schema")
def schema() -> None:
    """Regenerate the JSON Schemas of the data files from the models."""
    from snicert.catalog.schema import write_all

    for path in write_all():
        typer.echo(f"wrote {path}")


@app.command("products")
def products(as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False) -> None:
    """List the products with SNI reference, scheme and checklist figures."""
    cat = _catalog()
    rows = []
    for code, p in sorted(cat.products.items()):
        cl = cat.checklists.get(code)
        rows.append(
            {
                "code": code,
                "name": {"id": p.name.id, "en": p.name.en},
                "sni": [s.number for s in p.standards],
                "scheme": p.scheme.type,
                "validity_years": p.scheme.validity_years,
                "checklist_version": cl.version if cl else None,
                "parameters": len(cl.parameters) if cl else 0,
                "document_items": len(cl.document_items) if cl else 0,
                "provisional": cl.provisional_count if cl else 0,
            }
        )
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(
            f"{r['code']:<12} {r['name']['id']:<16} {', '.join(r['sni']):<42} "
            f"type {r['scheme']:<3} {r['parameters']:>3} parameters, "
            f"{r['provisional']} provisional"
        )


@app.command("init")
def init(
    official_email: Annotated[
        str | None,
        typer.Option(
            help="E-mail of the first official (created once; later staff: `snicert users add`)"
        ),
    ] = None,
    official_name: Annotated[str | None, typer.Option(help="Name of the first official")] = None,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the first official's password from the first line of "
            "standard input instead of prompting",
        ),
    ] = False,
) -> None:
    """Create or upgrade the database under SNICERT_HOME, load products and checklists and
    create the first official. Run again, it says what it changed and what it left alone."""
    from snicert import bootstrap

    _catalog()  # bad data files stop here with file, field and value
    with _service_errors():
        report = bootstrap.init()
    if report.revision_before is None:
        typer.echo(f"database: created {report.database} (schema {report.revision})")
    elif report.revision_before != report.revision:
        typer.echo(
            f"database: upgraded {report.database} (schema {report.revision_before} "
            f"-> {report.revision})"
        )
    else:
        typer.echo(f"database: unchanged {report.database} (schema {report.revision})")
    typer.echo(f"signing key: {'created' if report.key_created else 'unchanged'}")
    for item in report.checklists_loaded:
        typer.echo(f"loaded checklist {item} (draft: an official approves it)")
    if not report.checklists_loaded:
        typer.echo("checklists: unchanged")
    officials = bootstrap.officials()
    email = official_email.strip().lower() if official_email else None
    if email is None:
        if password_stdin:
            _fail("error: --password-stdin is for the first official: give --official-email")
        typer.echo(
            f"officials: {', '.join(officials)} (unchanged)"
            if officials
            else "no official yet: run `snicert init --official-email E --official-name N`"
        )
    elif email in officials:
        typer.echo(
            f"official: {email} already exists, unchanged (its password too; "
            f"`snicert users reset-password {email}` sets a new one)"
        )
    elif officials:
        _fail(
            f"error: official {email} not created: an official already exists "
            f"({', '.join(officials)}); officials add staff with `snicert users add` or "
            "at /admin/users"
        )
    else:
        password = _password(password_stdin, f"Password for {email}", confirm=True)
        with _service_errors():
            bootstrap.first_official(email, official_name, password)
        typer.echo(f"official: created {email}")
    _ask_identity()


def _ask_identity() -> None:
    """Ask for the LSPro identity settings still missing (at a terminal), or name them."""
    import sys

    from snicert import settings

    cfg = _settings()
    missing = cfg.missing_identity()
    if not missing:
        return
    if not sys.stdin.isatty():
        typer.echo(
            "identity incomplete (certificates cannot be issued until set): "
            + ", ".join(missing)
            + "; set each with `snicert settings set NAME VALUE`"
        )
        return
    typer.echo("The certification body's identity, printed on certificates and reports:")
    for name in missing:
        while True:
            value = typer.prompt(f"  {settings.LABELS[name]} [{name}]")
            try:
                settings.write({name: value})
                break
            except settings.SettingsError as exc:
                typer.echo(f"  {exc}", err=True)
    typer.echo(f"saved in {settings.file_path()}")


def _settings():  # noqa: ANN202 (typed in snicert.settings)
    from snicert import settings

    try:
        return settings.current()
    except settings.SettingsError as exc:
        _fail(str(exc), 2)
        raise  # unreachable: _fail exits


settings_app = typer.Typer(
    help="The LSPro's identity and site settings (`snicert settings` prints them).",
    invoke_without_command=True,
)
app.add_typer(settings_app, name="settings")


@settings_app.callback()
def settings_show(
    ctx: typer.Context, as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False
) -> None:
    """Print every setting, its value and where it comes from; name the missing ones."""
    if ctx.invoked_subcommand:
        return
    from snicert import settings

    cfg = _settings()
    rows = [
        {
            "name": name,
            "value": settings.masked(name, getattr(cfg, name)),
            "source": settings.source_of(name),
            "required": name in settings.IDENTITY,
        }
        for name in settings.NAMES
    ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        value = r["value"] or ("(missing)" if r["required"] else "")
        typer.echo(f"{r['name']:<20} {value}  [{r['source']}]")
    missing = cfg.missing_identity()
    if missing:
        typer.echo(f"identity incomplete: {', '.join(missing)} (issuance is refused until set)")


@settings_app.command("set")
def settings_set(name: str, value: str) -> None:
    """Store one setting in SNICERT_HOME/snicert.toml (validated first)."""
    from snicert import settings

    try:
        settings.write({name: value})
    except settings.SettingsError as exc:
        _fail(str(exc), 2)
    typer.echo(f"{name} = {settings.masked(name, value)}  [{settings.file_path()}]")
    if settings.env_name(name) in __import__("os").environ:
        typer.echo(f"note: {settings.env_name(name)} is set in the environment and wins")


users_app = typer.Typer(
    no_args_is_help=True,
    help=(
        "Staff accounts. Whoever has a shell here can read and write SNICERT_HOME, so, as for "
        '`init`, these commands need no sign-in; the audit log names their actor "cli".'
    ),
)
app.add_typer(users_app, name="users")

PasswordStdin = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input"
    ),
]


@users_app.command("add")
def users_add(
    email: str,
    name: Annotated[str, typer.Option(help="Full name")],
    role: Annotated[
        list[str],
        typer.Option(
            help="official, sampler, lab_analyst, lab_verifier or auditor; repeat for several"
        ),
    ],
    password_stdin: PasswordStdin = False,
    qualify: Annotated[
        str,
        typer.Option(
            help="Products (comma-separated) the person is qualified for, in every function "
            "their roles allow (see `users qualify`)"
        ),
    ] = "",
    evidence: Annotated[
        str, typer.Option(help="The evidence of the qualification (with --qualify)")
    ] = "",
) -> None:
    """Create a staff account with an initial password (stdin) or a one-time code (printed).
    Either signs in once, to choose the account's own password."""
    from snicert.db import engine as db
    from snicert.services import accounts, impartiality

    password = _password(password_stdin, "", confirm=False) if password_stdin else None
    with _service_errors(), db.transaction() as s:
        user, code = accounts.create_staff(s, accounts.CLI, email, name, role, password)
        roles = ", ".join(sorted(user.roles))
        s.flush()
        recorded = (
            impartiality.qualify_many(
                s, accounts.CLI, user, impartiality.functions_of(user), _products(qualify), evidence
            )
            if qualify
            else []
        )
    typer.echo(f"created {user.email} ({roles})")
    for q in recorded:
        typer.echo(f"qualified as {q.function} for {q.product} from {q.valid_from}")
    _hand_over(code)


def _products(value: str) -> list[str]:
    return [p.strip() for p in value.split(",") if p.strip()]


def _day(field: str, value: str) -> date | None:
    from snicert.errors import InvalidInput

    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(field, value, "imp_err_date") from None


@users_app.command("qualify")
def users_qualify(
    email: str,
    product: Annotated[str, typer.Option(help="Catalog products, comma-separated")],
    evidence: Annotated[str, typer.Option(help="Certificate, training or assessment")],
    function: Annotated[
        list[str] | None,
        typer.Option(
            help="reviewer, sampler, lab_analyst, lab_verifier, auditor, evaluator or "
            "decider; repeat for several (default: every function the person's roles allow)"
        ),
    ] = None,
    valid_from: Annotated[str, typer.Option("--from", help="YYYY-MM-DD (default: today)")] = "",
    valid_until: Annotated[
        str, typer.Option("--until", help="YYYY-MM-DD (default: until withdrawn)")
    ] = "",
) -> None:
    """Record a staff member's qualification for functions on products (ISO/IEC 17065
    §6.1). Recording the same terms again changes nothing; other terms supersede them."""
    from snicert.db import engine as db
    from snicert.services import accounts, impartiality

    with _service_errors(), db.transaction() as s:
        user = accounts.account(s, email)
        functions = function or impartiality.functions_of(user)
        start, end = _day("valid_from", valid_from), _day("valid_until", valid_until)
        recorded = impartiality.qualify_many(
            s, accounts.CLI, user, list(functions), _products(product), evidence, start, end
        )
        lines = [
            f"{user.email}: {q.function} for {q.product} from {q.valid_from}"
            f" until {q.valid_until or 'withdrawn'}"
            for q in recorded
        ]
    typer.echo("\n".join(lines))


@users_app.command("qualifications")
def users_qualifications(
    email: Annotated[str, typer.Argument(help="Only this person's")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Current qualifications: person, function, product, validity, evidence."""
    from snicert.db import engine as db
    from snicert.services import accounts, impartiality

    with _service_errors(), db.reading() as s:
        user_id = accounts.account(s, email).id if email else None
        emails = {u.id: u.email for u in accounts.staff(s)}
        rows = [
            {
                "id": q.id,
                "email": emails.get(q.user_id, str(q.user_id)),
                "function": q.function,
                "product": q.product,
                "valid_from": q.valid_from.isoformat(),
                "valid_until": q.valid_until.isoformat() if q.valid_until else None,
                "evidence": q.evidence,
            }
            for q in impartiality.qualifications(s, user_id, current_only=True)
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(
            f"{r['id']:>5} {r['email']:<32} {r['function']:<13} {r['product']:<12} "
            f"{r['valid_from']} .. {r['valid_until'] or '':<10} {r['evidence']}"
        )


@users_app.command("list")
def users_list(
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Staff accounts: e-mail, name, roles, active."""
    from snicert.db import engine as db
    from snicert.services import accounts

    with db.reading() as s:
        rows = [
            {
                "email": u.email,
                "name": u.name,
                "roles": sorted(u.roles),
                "active": u.active,
                "must_change_password": u.must_change_password,
            }
            for u in accounts.staff(s)
        ]
    if as_json:
        typer.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    for r in rows:
        state = "active" if r["active"] else "deactivated"
        pending = ", password not chosen yet" if r["must_change_password"] else ""
        typer.echo(f"{r['email']:<32} {r['name']:<28} {','.join(r['roles']):<28} {state}{pending}")


@users_app.command("disable")
def users_disable(email: str) -> None:
    """Deactivate an account: its sessions end and its API tokens are revoked."""
    _set_active(email, False)


@users_app.command("enable")
def users_enable(email: str) -> None:
    """Reactivate a deactivated account."""
    _set_active(email, True)


def _set_active(email: str, active: bool) -> None:
    from snicert.db import engine as db
    from snicert.services import accounts

    with _service_errors(), db.transaction() as s:
        user = accounts.set_active(s, accounts.CLI, email, active)
    typer.echo(f"{user.email}: {'reactivated' if active else 'deactivated'}")


@users_app.command("reset-password")
def users_reset_password(email: str, password_stdin: PasswordStdin = False) -> None:
    """Replace an account's password by a one-time code (printed) or a password (stdin);
    either signs in once, to choose a new one. Its sessions and API tokens end."""
    from snicert.db import engine as db
    from snicert.services import accounts

    password = _password(password_stdin, "", confirm=False) if password_stdin else None
    with _service_errors(), db.transaction() as s:
        code = accounts.reset_password(s, accounts.CLI, email, password)
    typer.echo(f"{email.strip().lower()}: password reset; sessions and API tokens ended")
    _hand_over(code)


def _hand_over(code: str | None) -> None:
    if code:
        typer.echo(f"one-time code: {code}")
        typer.echo("hand it over in person: it signs in once, to choose a password")
    else:
        typer.echo("the password given signs in once, to choose the account's own")


checklists_app = typer.Typer(no_args_is_help=True, help="Checklist versions.")
app.add_typer(checklists_app, name="checklists")


@checklists_app.command("list")
def checklists_list() -> None:
    """Loaded checklist versions and their status."""
    from sqlalchemy import select

    from snicert.db import engine as db
    from snicert.db.models import ChecklistVersion

    with db.transaction() as s:
        for row in s.scalars(
            select(ChecklistVersion).order_by(
                ChecklistVersion.kind.desc(), ChecklistVersion.product, ChecklistVersion.version
            )
        ):
            typer.echo(
                f"{row.kind:<6} {row.product:<12} v{row.version:<3} {row.status:<9} "
                f"{row.sha256[:12]}"
            )


@checklists_app.command("approve")
def checklists_approve(
    product: str,
    actor: Annotated[str, typer.Option("--as", help="E-mail of the approving official")],
    version: Annotated[int | None, typer.Option(help="Default: the version in checklists/")] = None,
    site_audit: Annotated[
        bool, typer.Option("--audit", help="The site-audit checklist (checklists/audit/)")
    ] = False,
    password_stdin: PasswordStdin = False,
) -> None:
    """Approve a loaded checklist version as an official, after that official's password;
    it is frozen from then on."""
    from snicert.db import engine as db
    from snicert.services import accounts, checklists

    cat = _catalog()
    files, folder = (
        (cat.audit_checklists, "checklists/audit/")
        if site_audit
        else (cat.checklists, "checklists/")
    )
    if version is None and product not in files:
        _fail(
            f"error: product: no checklist for {product!r} in {folder} "
            f"(known: {', '.join(sorted(files))})"
        )
    version = version or files[product].version
    kind = checklists.AUDIT if site_audit else checklists.LAB
    password = _password(password_stdin, f"Password for {actor}", confirm=False)
    with _service_errors(), db.transaction() as s:
        official = accounts.confirm_identity(s, actor, password)
        row = checklists.approve(s, official, product, version, kind)
        what = "audit checklist" if site_audit else "checklist"
        typer.echo(f"approved {what} {row.product} v{row.version} as {official.email}")


def _password(from_stdin: bool, prompt: str, confirm: bool) -> str:
    """A password from the first line of stdin, or typed at a hidden prompt."""
    if from_stdin:
        value = sys.stdin.readline().rstrip("\r\n")
    else:
        value = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    if not value:
        _fail("error: password: must not be empty")
    return value


@app.command("backup")
def backup_cmd(
    dest: Annotated[Path, typer.Argument(help="A new or empty folder for the backup")],
) -> None:
    """Copy the home while it runs: the database (SQLite backup API, or pg_dump), documents,
    rendered files, keys and settings, with a manifest of sha256 sums."""
    from snicert import backup

    try:
        done = backup.backup(dest)
    except backup.BackupError as exc:
        _fail(f"error: {exc}", 2)
        return
    rows = sum(done.counts.values())
    typer.echo(
        f"backup: {done.path} ({done.database} database, {rows} rows; "
        f"{done.files} files, {done.bytes} bytes; manifest.json)"
    )


@app.command("restore")
def restore_cmd(
    src: Annotated[Path, typer.Argument(help="A folder made by `snicert backup`")],
) -> None:
    """Restore a backup into an empty home (SNICERT_HOME, and for PostgreSQL an empty
    SNICERT_DATABASE_URL), after checking every file against the manifest."""
    from snicert import backup

    try:
        done = backup.restore(src)
    except backup.BackupError as exc:
        _fail(f"error: {exc}", 2)
        return
    typer.echo(
        f"restored into {done.path}: {sum(done.counts.values())} rows, "
        f"{done.files} files; run `snicert audit verify` to check the audit chain"
    )


keys_app = typer.Typer(no_args_is_help=True, help="The certificate signing key.")
app.add_typer(keys_app, name="keys")


@keys_app.command("rotate")
def keys_rotate() -> None:
    """Sign with a new key from now on; the old public key stays published (retired), so
    every certificate signed before still verifies."""
    from snicert import audit
    from snicert.certs.keys import rotate
    from snicert.db import engine as db

    old, new = rotate()
    with db.transaction() as s:
        audit.record(s, None, "keys.rotated", "signing_key", None, retired=old.kid, current=new.kid)
    typer.echo(f"signing key: {new.kid} (retired: {old.kid}, still published for verification)")


audit_app = typer.Typer(no_args_is_help=True, help="The hash-chained audit log.")
app.add_typer(audit_app, name="audit")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the audit chain, its signed checkpoints, every certificate row against its
    signed credential and every status against its audit event; exit 1 naming each row."""
    from snicert import integrity

    report = integrity.check()
    for section, problems in report.problems.items():
        for problem in problems:
            typer.echo(f"TAMPERED ({section}): {problem}", err=True)
    if not report.ok:
        raise typer.Exit(1)
    typer.echo(
        f"ok: {report.events} audit events, chain intact; {report.checkpoints} signed "
        f"checkpoints match; {report.certificates} certificates match their signed "
        f"credentials; {report.applications} applications and the certificates have "
        "the status their last audit event set"
    )


docs_app = typer.Typer(no_args_is_help=True, help="Documentation generated from the code.")
app.add_typer(docs_app, name="docs")


@docs_app.command("lifecycles")
def docs_lifecycles(
    folder: Annotated[Path, typer.Option(help="Where the pages go")] = Path("docs/lifecycles"),
) -> None:
    """Write a Mermaid diagram of every lifecycle table into FOLDER (one page each)."""
    from snicert import lifecycle_docs

    for path in lifecycle_docs.write(folder):
        typer.echo(f"wrote {path}")


AsOfficial = Annotated[
    str, typer.Option("--as", help="E-mail of the official running it", show_default=False)
]

report_app = typer.Typer(no_args_is_help=True, help="Reports of the LSPro's work.")
app.add_typer(report_app, name="report")


class ReviewFormat(StrEnum):
    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"


@report_app.command("management-review")
def report_management_review(
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (included)")],
    output: Annotated[Path, typer.Option("--output", help="The file to write")],
    actor: AsOfficial,
    fmt: Annotated[ReviewFormat, typer.Option("--format", help="html, pdf or xlsx")] = (
        ReviewFormat.pdf
    ),
    lang: Annotated[str, typer.Option(help="id or en (html and xlsx)")] = "id",
    password_stdin: PasswordStdin = False,
) -> None:
    """The management review of a period, each figure beside the previous period's, for
    an official proven by their password (as on the web: only officials). Exit 2 on a bad
    date, period or format; 1 on wrong credentials or another role."""
    from snicert.db import engine as db
    from snicert.errors import InvalidInput
    from snicert.review.formats import renderer
    from snicert.services import review

    if lang not in ("id", "en"):
        _fail(f"error: --lang: id or en (value: {lang!r})", 2)
    try:
        period = review.parse_period(start, end)
    except InvalidInput as exc:
        _fail(f"error: --{exc.field}: {str(exc).split(': ', 1)[1]}", 2)
    password = _password(password_stdin, f"Password for {actor}", confirm=False)
    with _service_errors(), db.reading() as s:
        official = _official(s, actor, password)
        m = review.build_for(s, official, period, lang)
    data = renderer(fmt.value)(m, lang)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    typer.echo(f"{output}: management review {period} ({fmt.value}, {len(data)} bytes)")


export_app = typer.Typer(
    no_args_is_help=True,
    help="Exports for BSN: certificates' events and applications received in a period.",
)
app.add_typer(export_app, name="export")
_EXPORT_OPTIONS = {"from": "--from", "to": "--to", "format": "--format"}

FromOpt = Annotated[
    str,
    typer.Option("--from", help="First day of the period, YYYY-MM-DD (WITA)", show_default=False),
]
ToOpt = Annotated[
    str,
    typer.Option("--to", help="Last day of the period, included, YYYY-MM-DD", show_default=False),
]
FormatOpt = Annotated[str, typer.Option("--format", help="csv, xlsx or json")]
OutputOpt = Annotated[Path, typer.Option("--output", help="File to write", show_default=False)]


@export_app.command("certificates")
def export_certificates(
    from_: FromOpt,
    to: ToOpt,
    output: OutputOpt,
    actor: AsOfficial,
    fmt: FormatOpt = "csv",
    password_stdin: PasswordStdin = False,
) -> None:
    """Certificates issued, suspended, withdrawn and expired in the period: one record per
    event, with the status and reason as of the period's end. For an official proven by
    their password; the audit log names them."""
    _export("certificates", from_, to, fmt, output, actor, password_stdin)


@export_app.command("applications")
def export_applications(
    from_: FromOpt,
    to: ToOpt,
    output: OutputOpt,
    actor: AsOfficial,
    fmt: FormatOpt = "csv",
    password_stdin: PasswordStdin = False,
) -> None:
    """Applications received (submitted) in the period, with their state as of its end. For
    an official proven by their password; the audit log names them."""
    _export("applications", from_, to, fmt, output, actor, password_stdin)


def _official(s: Any, email: str, password: str) -> Any:
    """The official named by --as, proven by their own password: the review and the
    exports hold every applicant's data, so the shell alone does not open them."""
    from snicert.roles import Role
    from snicert.services import accounts
    from snicert.services.guards import require_role

    user = accounts.confirm_identity(s, email, password)
    require_role(user, Role.OFFICIAL)
    return user


def _export(
    what: str, from_: str, to: str, fmt: str, output: Path, actor: str, password_stdin: bool
) -> None:
    """Bad dates or format: exit 2 naming the option, as for any other bad option (before
    the password is asked)."""
    from pydantic import ValidationError

    from snicert import export_files, storage
    from snicert.db import engine as db
    from snicert.services import bsn_export
    from snicert.services.bsn_export import ExportQuery

    try:
        query = ExportQuery.model_validate({"from": from_, "to": to, "format": fmt})
    except ValidationError as exc:
        first = exc.errors()[0]
        option = _EXPORT_OPTIONS.get(str(first["loc"][0]), str(first["loc"][0]))
        _fail(f"error: {option} {first['input']!r}: {first['msg']}", 2)
        return
    password = _password(password_stdin, f"Password for {actor}", confirm=False)
    with _service_errors(), db.transaction() as s:
        bsn_export.snapshot(s)
        official = _official(s, actor, password)
        prepared = bsn_export.prepare(s, official, what, query)
        # recorded with the file: if writing it fails, neither stays
        bsn_export.record(s, official, prepared)
        storage.write_atomic_stream(output, export_files.stream(prepared))
    typer.echo(
        f"wrote {output}: {prepared.count} {what} records, "
        f"{query.from_.isoformat()} to {query.to.isoformat()} ({query.format})"
    )


@app.command("demo")
def demo(
    count: Annotated[int, typer.Option(help="Applications per product that end certified")] = 1,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object per application")
    ] = False,
    parallel: Annotated[int, typer.Option(help="Applications played at once")] = 1,
) -> None:
    """Play every role on synthetic Kupang UMKM businesses; a task worker runs the cases'
    automated stages."""
    from rich.progress import Progress

    from snicert import demo as demo_mod
    from snicert import logs

    with logs.recording(), _service_errors(), Progress(transient=True, console=_stderr()) as bar:
        task = bar.add_task("demo", total=len(demo_mod.plans(count)))
        results = demo_mod.run(
            count, lambda done, total: bar.update(task, completed=done), parallel=parallel
        )
    if as_json:
        typer.echo(json.dumps([r.as_dict() for r in results], indent=2, ensure_ascii=False))
        return
    typer.echo(
        f"{'product':<11} {'application':<15} {'state':<10} {'scenario':<44} "
        "certificate / refusal reason"
    )
    for r in results:
        typer.echo(
            f"{r.product:<11} {r.number:<15} {r.state:<10} {'; '.join(r.scenario):<44} "
            f"{r.certificate or r.refusal_reason or ''}"
        )
    for r in results:
        for path in r.files:
            typer.echo(f"  {r.number}: {path}")


@app.command("evaluate")
def evaluate_results(
    product: Annotated[str, typer.Argument(help="Product code, e.g. abon")],
    results_file: Annotated[
        Path,
        typer.Argument(
            help='Results as .json ({"results": [{"parameter", "value", "unit"}]}) or .csv '
            "(columns parameter, value, unit; optional uncertainty)"
        ),
    ],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output")] = False,
) -> None:
    """Judge a lab results file against PRODUCT's checklist (the flows' judgment).

    The checklist is PRODUCT's file in checklists/ as it is now: that file's version,
    which an official approves before it is used to certify. A preview: nothing is recorded.

    Exit 0: every parameter conforms. 1: one does not, or some are not tested.
    2: bad input (unknown product or parameter, wrong unit, unreadable value,
    repeated parameter, malformed file), each problem on stderr with its row.
    """
    from snicert import evaluate as ev

    cat = _catalog()
    try:
        report = ev.evaluate(product, ev.load_results(results_file), cat)
    except ev.ResultsError as exc:
        for problem in exc.problems:
            typer.echo(f"error: {problem}", err=True)
        _fail(f"{len(exc.problems)} problem(s) found; nothing was judged", 2)
        return
    if as_json:
        typer.echo(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        checklist_file = cat.files.get(("checklists", product))
        for line in ev.text_lines(report, str(checklist_file) if checklist_file else None):
            typer.echo(line)
    raise typer.Exit(report.exit_code)


@app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(help="Certificate file: JSON, PDF, PNG or HTML")],
    online: Annotated[
        str | None,
        typer.Option(
            "--online", metavar="URL", help="Also ask the registry at URL for the current status"
        ),
    ] = None,
    keys: Annotated[
        Path | None,
        typer.Option(
            "--keys", help="Published public-key JSON (default: the keys under SNICERT_HOME)"
        ),
    ] = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Check the signature only, not this home's database")
    ] = False,
) -> None:
    """Check a certificate file (signature, key, validity), then that the registry gave its
    number to the same holder and it is active: the registry at --online URL, else this
    home's database when there is one (unless --offline). Exit 1 with the reason."""
    from snicert.certs.keys import load_public_keys
    from snicert.certs.verify import check_local, check_online, verify_file

    try:
        known = load_public_keys(keys)
    except (OSError, ValueError) as exc:
        _fail(f"invalid: cannot load public keys: {exc}")
        return
    if not known:
        _fail("invalid: no known public keys (run `snicert init`, or pass --keys FILE)")
    result = verify_file(file, known)
    if not result.valid:
        who = f" ({result.number})" if result.number else ""
        _fail(f"invalid{who}: {result.reason}")
    until = result.valid_until or "end of the certified lot"
    typer.echo(
        f"valid: {result.number}, {result.holder} (valid until {until}; "
        f"key {result.kid}; {result.form})"
    )
    status = None
    if online:
        status = check_online(online, result)
    elif not offline:
        status = check_local(result)
    if status is not None:
        if not status.ok:
            _fail(f"invalid ({result.number}): {status.message}")
        typer.echo(status.message)


@app.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Web app address")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Web app port")] = 8000,
    prefect_port: Annotated[int, typer.Option(help="Port of the local Prefect server")] = 4200,
) -> None:
    """Run everything on this machine: Prefect server, runner, task worker and web app
    (SIGTERM or Ctrl-C stops all of it)."""
    from snicert import logs
    from snicert.serve import ServeError, run

    with logs.recording():
        try:
            run(host, port, prefect_port, lambda line: typer.echo(line, err=True))
        except ServeError as exc:
            _fail(f"error: {exc}")


@app.command("worker")
def worker() -> None:
    """Run a Prefect task worker for the cases' automated stages (server mode: start as
    many as you like, on any machine; SIGTERM or Ctrl-C stops it)."""
    import os

    if not (os.environ.get("PREFECT_API_URL") and os.environ.get("SNICERT_DATABASE_URL")):
        _fail(
            "error: set PREFECT_API_URL and SNICERT_DATABASE_URL (server mode); "
            "snicert serve starts its own worker"
        )
    from flows.worker import main

    main()


def _stderr():
    from rich.console import Console

    return Console(stderr=True)


@contextmanager
def _service_errors() -> Iterator[None]:
    """Show a refused step as one clear line and exit 1 (no traceback)."""
    from snicert.errors import SnicertError

    try:
        yield
    except SnicertError as exc:
        _fail(f"error: {exc}")


def _catalog():
    try:
        return load_catalog()
    except DataError as exc:
        _fail(f"invalid data files:\n{exc}", 2)
        raise


if __name__ == "__main__":
    app()
