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
    call_command("collectstatic", interactive=False, verbosity=0)
    console.print(f"Database ready ({db['ENGINE'].rsplit('.', 1)[-1]}: {db['NAME']}); data in {settings.AIMS_DATA_DIR}")


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", help="Port to listen on."),
    workers: int = typer.Option(2, "--workers", help="Worker processes."),
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
        "4",
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
def trail_verify(org: str = typer.Option(None, "--org", help="Organization slug (default: every one).")) -> None:
    """Recompute the hash chain; print "ok, N events" or the first event that does not match."""
    from openaims.accounts.models import Organization
    from openaims.base.trail import verify_organization

    organizations = Organization.objects.all()
    if org:
        organizations = organizations.filter(slug=org)
        if not organizations.exists():
            fail(f"--org: no organization {org!r}")
    failed = False
    for organization in organizations:
        count, broken = verify_organization(organization)
        if broken is None:
            console.print(f"{organization.slug}: ok, {count} events", highlight=False)
        else:
            failed = True
            console.print(
                f"{organization.slug}: BROKEN at event #{broken.sequence} (id {broken.event_id or '-'}): "
                f"{broken.reason}; {count} events before it verify",
                highlight=False,
            )
    if failed:
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command()(init)
    app.command()(serve)
    app.command()(demo)
    app.add_typer(org_app, name="org")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.add_typer(trail_app, name="trail")
