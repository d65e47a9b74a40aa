"""What every command shares: Django set-up, the acting member, errors, output."""

from __future__ import annotations

import json
import os
import sys
from typing import NoReturn

import typer
from rich.console import Console

# soft_wrap: plain lines are not cut at 80 columns when the output is a pipe or a log.
console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)

OrgOption = typer.Option(None, "--org", envvar="AIMS_ORG", help="Organization slug (default: the only one).")
UserOption = typer.Option(
    None, "--user", envvar="AIMS_USER", help="Act as this member (username); default: the local operator."
)
JsonOption = typer.Option(False, "--json", help="Print JSON instead of a table.")


def setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openaims.web.settings")
    import django

    django.setup()


def fail(message: str, code: int = 1) -> NoReturn:
    """Print one clear line on standard error and exit non-zero."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str, ensure_ascii=False) + "\n")


def resolve_actor(org: str | None, user: str | None):
    """The actor for a command: ``--user``'s membership in ``--org``, or the local operator (owner rights)."""
    from openaims.accounts.models import Membership, Organization, User
    from openaims.accounts.selectors import MembershipLapsed, actor_for_membership
    from openaims.base.context import system_actor

    if org:
        organization = Organization.objects.filter(slug=org).first()
        if organization is None:
            fail(f"--org: no organization {org!r}")
    else:
        organizations = list(Organization.objects.all()[:2])
        if not organizations:
            fail("no organization yet: run `aims demo` or `aims org create NAME`")
        if len(organizations) > 1:
            fail("--org: several organizations exist; name one (or set AIMS_ORG)")
        organization = organizations[0]
    if user:
        found = User.objects.filter(username=user).first()
        membership = Membership.objects.filter(organization=organization, user=found).first() if found else None
        if membership is None:
            fail(f"--user: {user!r} is not a member of {organization.slug}")
        try:
            return actor_for_membership(membership)
        except MembershipLapsed:
            fail(f"--user: {user!r} is no longer a member of {organization.slug}: the membership lapsed")
    return system_actor(organization, label=f"cli ({os.environ.get('USER', 'operator')})")


def run_service(fn, *args, **kwargs):
    """Call a service; turn its errors into one line and a non-zero exit."""
    from django.core.exceptions import ValidationError

    from openaims.base.errors import NotFound, PermissionDenied, field_errors

    try:
        return fn(*args, **kwargs)
    except ValidationError as exc:
        problems = "; ".join(f"{e['field']}: {e['message']}" if e["field"] else e["message"] for e in field_errors(exc))
        fail(problems)
    except NotFound as exc:
        fail(str(exc) or "not found")
    except PermissionDenied as exc:
        fail(str(exc))


def import_file(file, read_rows, import_rows, **kwargs) -> dict:
    """Read ``file`` with ``read_rows`` and import it with ``import_rows(rows=..., **kwargs)``, all or nothing.

    A bad file prints every bad row on standard error, ``FILE: line N: problem``, and exits 1.
    """
    from openaims.base.transfer import ImportFailed

    try:
        return run_service(import_rows, rows=read_rows(file), **kwargs)
    except (ImportFailed, UnicodeDecodeError) as exc:
        errors = exc.errors if isinstance(exc, ImportFailed) else [f"line 0: not UTF-8 text ({exc.reason})"]
        for error in errors:
            sys.stderr.write(f"{file}: {error}\n")
        fail(f"nothing imported: {len(errors)} bad row(s)")
