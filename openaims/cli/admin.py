"""Set-up and administration commands: init, serve, demo, org, user, token, trail."""

from __future__ import annotations

import os
import sys

import typer

from openaims.cli.common import OrgOption, UserOption, console, fail, print_json, resolve_actor, run_service

user_app = typer.Typer(help="People who sign in.", no_args_is_help=True)
token_app = typer.Typer(help="API tokens.", no_args_is_help=True)
trail_app = typer.Typer(help="The tamper-evident trail of changes.", no_args_is_help=True)
org_app = typer.Typer(help="Organizations (tenants).", no_args_is_help=True)


def init() -> None:
    """Create the data directory and secret key, and migrate the database."""
    from django.conf import settings
    from django.core.management import call_command

    settings.AIMS_DATA_DIR.mkdir(parents=True, exist_ok=True)
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        os.makedirs(os.path.dirname(db["NAME"]) or ".", exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    from openaims.base.trail_checkpoints import signing_key

    signing_key()  # the trail's checkpoint key (AIMS_TRAIL_KEY_FILE, mode 0600), made once
    call_command("collectstatic", interactive=False, verbosity=0)
    console.print(f"Database ready ({db['ENGINE'].rsplit('.', 1)[-1]}: {db['NAME']}); data in {settings.AIMS_DATA_DIR}")


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(2, "--workers", min=1, max=64, help="Worker processes."),
    threads: int = typer.Option(
        8,
        "--threads",
        min=1,
        max=64,
        help="Request threads per worker. Writes to one organization wait in turn for its lock, each holding a "
        "thread: give each worker at least as many threads as the clients it serves at once. Every thread may hold "
        "a database connection (workers × threads ≤ the server's max_connections).",
    ),
) -> None:
    """Serve the web UI and API with gunicorn (a production server, DEBUG off).

    Sweeps first the staging files that interrupted uploads and ingests left in the data directory.
    """
    from gunicorn.app.wsgiapp import run

    from openaims.base.staging import sweep_stale

    swept = sweep_stale()
    if swept.files:
        console.print(f"Swept {swept.files} staging file(s) left by interrupted uploads or ingests.")
    console.print(f"Serving OpenAIMS at http://{host}:{port}/  (API: http://{host}:{port}/api/v1/docs)")
    sys.argv = [
        "gunicorn",
        "openaims.web.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--access-logfile",
        "-",
        "--graceful-timeout",
        "5",
    ]
    run()


def demo() -> None:
    """Load the demo organization (idempotent) and print its sign-in."""
    from openaims.demo import DEMO_PASSWORD, DEMO_USERS, load_demo

    organization, created = load_demo()
    console.print(
        f"Demo organization {organization.name!r} ({organization.slug}) {'loaded' if created else 'already there'}."
    )
    console.print(f"Sign in as [bold]{DEMO_USERS[0][0]}[/] with password [bold]{DEMO_PASSWORD}[/] (owner).")
    console.print("Other demo members, same password: " + ", ".join(f"{u} ({r})" for u, r in DEMO_USERS[1:]))


@org_app.command("create")
def org_create(
    name: str = typer.Argument(..., help="Organization name."),
    slug: str = typer.Option("", "--slug", help="Short id (default: from the name)."),
    owner: str = typer.Option(None, "--owner", help="Username of its first owner."),
) -> None:
    """Create an organization."""
    from openaims.accounts.models import User
    from openaims.accounts.services import organization_create

    owner_user = None
    if owner:
        owner_user = User.objects.filter(username=owner).first() or fail(f"--owner: no user {owner!r}")
    organization = run_service(organization_create, name=name, slug=slug, owner=owner_user)
    console.print(f"Organization {organization.name!r} created ({organization.slug}).")


@org_app.command("list")
def org_list() -> None:
    """List organizations."""
    from openaims.accounts.models import Organization

    for organization in Organization.objects.all():
        console.print(f"{organization.slug}\t{organization.name}")


@user_app.command("add")
def user_add(
    username: str = typer.Argument(..., help="Username, usually the e-mail address."),
    role: str = typer.Option("viewer", "--role", help="owner, admin, manager, contributor, reviewer, auditor, viewer"),
    password: str = typer.Option(None, "--password", envvar="AIMS_PASSWORD", help="Password (prompted when absent)."),
    org: str = OrgOption,
    as_user: str = UserOption,
) -> None:
    """Create a user (or reuse one) and make them a member with a role."""
    from openaims.accounts.choices import Role
    from openaims.accounts.models import User
    from openaims.accounts.services import membership_invite

    if role not in Role.values:
        fail(f"--role: unknown role {role!r} (choose from {', '.join(Role.values)})")
    actor = resolve_actor(org, as_user)
    if not password and not User.objects.filter(username=username).exists():
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    run_service(membership_invite, actor=actor, username=username, role=role, password=password or "")
    console.print(f"{username} is now {role} of {actor.organization.slug}.")


@token_app.command("create")
def token_create(
    username: str = typer.Argument(..., help="The member the token acts as."),
    name: str = typer.Option("cli", "--name", help="What the token is for."),
    org: str = OrgOption,
    json_output: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Create an API token for a member; it is printed once and stored only as a hash."""
    from openaims.accounts.models import User
    from openaims.accounts.services import token_create as create

    actor = resolve_actor(org, username)
    user = User.objects.get(username=username)
    token, raw = run_service(create, actor=actor, user=user, name=name)
    if json_output:
        print_json({"id": str(token.pk), "name": token.name, "token": raw, "organization": actor.organization.slug})
    else:
        sys.stdout.write(raw + "\n")


@trail_app.command("verify")
def trail_verify(
    org: str = typer.Option(None, "--org", help="Organization slug (default: every one)."),
    public_key: str = typer.Option(
        None, "--public-key", help="Check the checkpoints with this copy of the public key (PEM) kept apart."
    ),
) -> None:
    """Recompute the hash chain and check it against the signed checkpoints; print "ok, N events" or the first
    event or checkpoint that does not match (exit 1)."""
    from openaims.accounts.models import Organization
    from openaims.base.trail_checkpoints import public_key as checkpoint_key
    from openaims.base.trail_checkpoints import read_checkpoints, verify_trail

    organizations = Organization.objects.all()
    if org:
        organizations = organizations.filter(slug=org)
        if not organizations.exists():
            fail(f"--org: no organization {org!r}")
    pem = None
    if public_key:
        try:
            with open(public_key, "rb") as handle:
                pem = handle.read()
        except OSError:
            fail("--public-key: cannot read that file")
    try:
        key = checkpoint_key(pem)
    except ValueError:
        fail("--public-key: not an Ed25519 public key in PEM" if pem else "the trail key file is not an Ed25519 key")
    checkpoints, problem = read_checkpoints(key)
    failed = problem is not None
    if problem is not None:
        console.print(f"checkpoints: BROKEN: {problem}", highlight=False)
    for organization in organizations:
        verdict = verify_trail(organization, checkpoints)
        if verdict.problem:
            failed = True
            console.print(f"{organization.slug}: BROKEN: {verdict.problem}", highlight=False)
            continue
        anchored = (
            f", {verdict.checkpoints} checkpoints (latest at #{verdict.latest.sequence}, {verdict.latest.time})"
            if verdict.latest
            else ", no checkpoint yet"
        )
        console.print(f"{organization.slug}: ok, {verdict.events} events{anchored}", highlight=False)
    if not org:
        known = {str(pk) for pk in Organization.objects.values_list("pk", flat=True)}
        orphans = [c for c in checkpoints if c.organization_id not in known]
        if orphans:
            failed = True
            console.print(
                f"checkpoints: BROKEN: checkpoint line {orphans[0].line} ({orphans[0].time}): "
                "its organization is not in the database (deleted with its trail)",
                highlight=False,
            )
    if failed:
        raise typer.Exit(1)


@trail_app.command("checkpoint")
def trail_checkpoint(org: str = typer.Option(None, "--org", help="Organization slug (default: every one).")) -> None:
    """Sign each organization's chain head and append it to the checkpoints file (when the head moved)."""
    from openaims.accounts.models import Organization
    from openaims.base.trail_checkpoints import checkpoint_trails

    organizations = Organization.objects.all()
    if org:
        organizations = organizations.filter(slug=org)
        if not organizations.exists():
            fail(f"--org: no organization {org!r}")
    refused = False
    for outcome in checkpoint_trails(organizations):
        slug, checkpoint = outcome.organization.slug, outcome.checkpoint
        if outcome.status == "written":
            console.print(f"{slug}: checkpoint at event #{checkpoint.sequence} ({checkpoint.time})", highlight=False)
        elif outcome.status == "unchanged":
            since = f" since the checkpoint of {checkpoint.time} at #{checkpoint.sequence}" if checkpoint else ""
            console.print(f"{slug}: unchanged{since}", highlight=False)
        else:
            refused = True
            console.print(f"{slug}: REFUSED, {outcome.reason} (run aims trail verify)", highlight=False)
    if refused:
        raise typer.Exit(1)


@trail_app.command("public-key")
def trail_public_key(
    out: str = typer.Option(None, "--out", help="Write the PEM to this file (default: print it)."),
) -> None:
    """Print (or write) the public key of the checkpoints, PEM; keep a copy away from this server."""
    from openaims.base.trail_checkpoints import signing_key
    from openaims.trail.checkpoint import key_id, public_key_pem

    key = signing_key()
    pem = public_key_pem(key)
    if not out:
        sys.stdout.write(pem.decode("ascii"))
        return
    try:
        with open(out, "wb") as handle:
            handle.write(pem)
    except OSError:
        fail("--out: cannot write that file")
    console.print(f"Public key written (key id {key_id(key)}).", highlight=False)


@trail_app.command("rotate-key")
def trail_rotate_key() -> None:
    """Replace the checkpoint signing key with a new one; the old public key stays in the key history beside the
    key file, so checkpoints signed with it still verify. Give auditors the new public key (aims trail public-key)."""
    from openaims.base.trail_checkpoints import history_file, rotate_key

    try:
        old, new = rotate_key()
    except (OSError, ValueError):
        fail("the trail key file cannot be read or replaced (check AIMS_TRAIL_KEY_FILE and its folder)")
    console.print(
        f"New checkpoint key {new}; the old key {old} is kept in {history_file().name}. Checkpoints from now on are "
        "signed with the new key.",
        highlight=False,
    )


@trail_app.command("export")
def trail_export(
    out: str = typer.Option(..., "--out", help="The zip file to write."),
    org: str = OrgOption,
) -> None:
    """Write the organization's trail, checkpoints and public key as a zip for python -m openaims.trail.verify."""
    from openaims.base.trail_export import trail_export as export

    organization = resolve_actor(org, None).organization
    try:
        with open(out, "wb") as handle:
            export(organization, handle)
    except OSError:
        fail("--out: cannot write that file")
    console.print(
        f"Trail of {organization.slug} written; check it with: python -m openaims.trail.verify FILE", highlight=False
    )


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(serve)
    app.command()(demo)
    app.add_typer(org_app, name="org")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.add_typer(trail_app, name="trail")
