"""Fixtures shared by the whole suite: organizations, members of every role, API clients."""

from __future__ import annotations

import os
import site
import sys
import sysconfig
import tempfile
from pathlib import Path

import pytest
from django.test import Client

from openaims.accounts.choices import Role
from openaims.accounts.models import User
from openaims.accounts.selectors import actor_for
from openaims.accounts.services import membership_add, organization_create, token_create, user_create

PASSWORD = "correct-horse-battery"


def pytest_configure(config):
    if os.environ.get("AIMS_REQUIRE_POSTGRES") == "1" or os.environ.get("CI") == "true":
        url = os.environ.get("DATABASE_URL", "")
        if os.environ.get("AIMS_REQUIRE_POSTGRES") == "1" and not url.startswith("postgres"):
            raise pytest.UsageError("AIMS_REQUIRE_POSTGRES=1 but DATABASE_URL is not a PostgreSQL URL")


# The repository must be self-contained: a test reads and writes only inside it, the temporary directories,
# the interpreter and its packages, and the system's own files (libraries, fonts, /proc...). Anything else,
# above all the repository's neighbours (a developer's checkout has folders beside it that a fresh clone does
# not), fails the test. Files opened by Python are audited; native code (Chromium, WeasyPrint's libraries,
# DuckDB) is not, and reads only its own installation and the temporary directories.
REPO_ROOT = Path(__file__).resolve().parents[1]


def _allowed_roots() -> tuple[str, ...]:
    home = Path.home()
    roots = {
        REPO_ROOT,
        Path(tempfile.gettempdir()),
        Path("/tmp"),
        Path("/var/tmp"),
        Path(sys.prefix),
        Path(sys.base_prefix),
        Path(sys.exec_prefix),
        *(Path(p) for p in site.getsitepackages()),
        Path(site.getusersitepackages()),
        *(Path(p) for p in sysconfig.get_paths().values()),
        *(Path(p) for p in ("/usr", "/etc", "/proc", "/sys", "/dev", "/lib", "/lib64", "/bin", "/sbin", "/opt")),
        *(Path(p) for p in ("/var/cache", "/var/lib", "/run")),
        home / ".cache",
        home / ".config",
        home / ".local",
    }
    paths = {os.path.normpath(str(root)) for root in roots}
    paths |= {os.path.realpath(path) for path in paths}
    return tuple(sorted(path.rstrip(os.sep) + os.sep for path in paths))


def _beside_roots() -> tuple[str, ...]:
    """The repository's neighbours, refused even where an allowed root holds them (a clone under /tmp).

    The whole parent folder, but for the repository, unless the parent is a scratch or system folder that
    tests legitimately use (the clone sits right in /tmp or the home folder): then its ``shared`` folder, the
    developers' neighbour a user's clone does not have.
    """
    parent = REPO_ROOT.parent
    scratch = {Path(tempfile.gettempdir()), Path("/tmp"), Path("/var/tmp"), Path.home(), Path("/")}
    scratch |= {Path(os.path.realpath(path)) for path in scratch}
    denied = parent / "shared" if parent in scratch else parent
    return (os.path.normpath(str(denied)) + os.sep,)


#: Files of the user's home that libraries read when present (pdb under doctest reads its rc file).
ALLOWED_HOME_FILES = frozenset(os.path.join(os.path.expanduser("~"), name) for name in (".pdbrc", ".netrc"))


class OutsideRepositoryError(PermissionError):
    """A test opened a file outside the repository and the places every machine has."""


class _OpenGuard:
    """An audit hook on ``open``: paths outside the allowed roots are refused and remembered."""

    def __init__(self) -> None:
        self.allowed = _allowed_roots()
        self.beside = _beside_roots()
        self.repository = str(REPO_ROOT) + os.sep
        self.violations: list[str] = []
        self.active = False

    def __call__(self, event: str, args: tuple) -> None:
        if event != "open" or not self.active:
            return
        path = args[0]
        if path is None or isinstance(path, int):
            return
        try:
            full = os.path.normpath(os.path.abspath(os.fsdecode(path)))
        except (TypeError, ValueError):
            return
        inside = (full + os.sep).startswith(self.repository)
        beside = not inside and (full + os.sep).startswith(self.beside)
        if not beside and ((full + os.sep).startswith(self.allowed) or full in ALLOWED_HOME_FILES):
            return
        self.violations.append(full)
        raise OutsideRepositoryError(f"a test opened {full}, outside the repository: the suite must be self-contained")


OPEN_GUARD = _OpenGuard()


@pytest.fixture(scope="session", autouse=True)
def _self_contained_guard():
    """Install the audit hook once (hooks cannot be removed); it is active for the session only."""
    if not getattr(sys, "_openaims_open_guard", False):
        sys.addaudithook(OPEN_GUARD)
        sys._openaims_open_guard = True
    OPEN_GUARD.active = True
    yield OPEN_GUARD
    OPEN_GUARD.active = False


@pytest.fixture(autouse=True)
def _no_file_outside_repository(_self_contained_guard):
    """Fail the test that opened a file outside the repository, even when the error it got was swallowed."""
    seen = len(_self_contained_guard.violations)
    yield
    new = _self_contained_guard.violations[seen:]
    if new:
        pytest.fail(f"opened outside the repository: {', '.join(sorted(set(new)))}", pytrace=False)


def make_member(organization, role: str, username: str | None = None) -> User:
    """A user with ``role`` in ``organization`` (added by the organization's owner)."""
    username = username or f"{role}-{organization.slug}@example.org"
    user = User.objects.filter(username=username).first() or user_create(username=username, password=PASSWORD)
    if role != Role.OWNER:
        owner = User.objects.get(username=f"owner-{organization.slug}@example.org")
        membership_add(actor=actor_for(owner, organization), user=user, role=role)
    return user


def make_organization(name: str, slug: str):
    owner = user_create(username=f"owner-{slug}@example.org", password=PASSWORD)
    return organization_create(name=name, slug=slug, owner=owner)


@pytest.fixture
def org(db):
    return make_organization("Acme AI", "acme")


@pytest.fixture
def other_org(db):
    return make_organization("Globex", "globex")


@pytest.fixture
def members(org):
    """``{role: user}`` for every role in ``org``."""
    users = {Role.OWNER: User.objects.get(username="owner-acme@example.org")}
    for role in Role.values:
        if role != Role.OWNER:
            users[role] = make_member(org, role)
    return users


@pytest.fixture
def actor_of(members, org):
    """``actor_of(role)``: the actor of that role's member in ``org``."""
    return lambda role: actor_for(members[role], org)


@pytest.fixture
def owner_actor(actor_of):
    return actor_of(Role.OWNER)


@pytest.fixture
def other_actor(other_org):
    return actor_for(User.objects.get(username="owner-globex@example.org"), other_org)


def bearer_client(actor) -> Client:
    _, raw = token_create(actor=actor, user=actor.user, name="tests")
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def api_as(actor_of):
    """``api_as(role)``: a test client sending an API token of that role's member."""
    cache: dict[str, Client] = {}

    def make(role: str) -> Client:
        if role not in cache:
            cache[role] = bearer_client(actor_of(role))
        return cache[role]

    return make


@pytest.fixture
def ui_as(members):
    """``ui_as(role)``: a test client signed in to the web UI as that role's member."""

    def make(role: str) -> Client:
        client = Client()
        client.force_login(members[role])
        return client

    return make
