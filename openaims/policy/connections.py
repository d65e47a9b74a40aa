"""Connections to external databases and Spark: the instance administrator's, never a tenant's.

A data source of kind ``postgres`` or ``spark`` names a *connection*; only the administrator declares one
(``aims connection add``, or ``AIMS_CONNECTIONS`` in settings), with its kind, where its connection string is
held (the name of an environment variable or of a file: the string itself is never stored in the database nor
shown), which organizations may use it (their slugs, or ``*`` for all) and its limits (statement timeout, rows
returned). The application's own database is never a connection: a declaration whose DSN points to the host,
port and database of ``DATABASES["default"]`` is refused when it is declared and again each time it is used.

Declarations made with the command are kept in ``AIMS_CONNECTIONS_FILE`` (default
``AIMS_DATA_DIR/connections.json``), written whole and replaced atomically.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from openaims.metrics.sources import QueryLimits
from openaims.policy.files import PolicyError

KINDS = ("postgres", "spark")
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")
#: Environment variables no connection may name: the application's own configuration.
RESERVED_ENV = frozenset({"DATABASE_URL", "AIMS_SECRET_KEY", "AIMS_DATA_DIR"})
DEFAULT_TIMEOUT_MS = 30_000
DEFAULT_MAX_ROWS = 100_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024
ALL_ORGANIZATIONS = "*"


def unavailable(name: str) -> str:
    """The one message for a connection that does not exist or is not the organization's (no existence leak)."""
    shown = name if NAME.match(name or "") else "(that name)"
    return f"no connection named '{shown}' is available to this organization"


@dataclass(frozen=True)
class Connection:
    """One declared connection. ``dsn_env`` or ``dsn_file`` says where its connection string is (PostgreSQL);
    a Spark connection may give a ``master`` URL (default: the running session, or local mode)."""

    name: str
    kind: str
    organizations: tuple[str, ...] = ()
    dsn_env: str = ""
    dsn_file: str = ""
    master: str = ""
    statement_timeout_ms: int = DEFAULT_TIMEOUT_MS
    max_rows: int = DEFAULT_MAX_ROWS
    max_bytes: int = DEFAULT_MAX_BYTES
    description: str = ""
    declared_in: str = field(default="settings", compare=False)

    def available_to(self, organization) -> bool:
        return ALL_ORGANIZATIONS in self.organizations or organization.slug in self.organizations

    @property
    def limits(self) -> QueryLimits:
        return QueryLimits(
            statement_timeout_ms=self.statement_timeout_ms, max_rows=self.max_rows, max_bytes=self.max_bytes
        )

    def dsn(self) -> str:
        """The connection string, read now from where the administrator keeps it.

        Raises
        ------
        PolicyError
            When it is not set: the message names the connection, never the variable or the file.
        """
        value = ""
        if self.dsn_env:
            value = os.environ.get(self.dsn_env, "")
        elif self.dsn_file:
            with contextlib.suppress(OSError, UnicodeDecodeError):
                value = Path(self.dsn_file).read_text(encoding="utf-8").strip()
        if not value:
            raise PolicyError("connection", f"the connection '{self.name}' is not set up on this server")
        return value

    def as_dict(self) -> dict:
        data = asdict(self)
        data.pop("declared_in")
        data["organizations"] = list(self.organizations)
        return data


def _from_dict(data: dict, declared_in: str) -> Connection:
    organizations = data.get("organizations") or ()
    if isinstance(organizations, str):
        organizations = [o.strip() for o in organizations.split(",") if o.strip()]
    return Connection(
        name=str(data.get("name", "")),
        kind=str(data.get("kind", "")),
        organizations=tuple(str(o) for o in organizations),
        dsn_env=str(data.get("dsn_env") or ""),
        dsn_file=str(data.get("dsn_file") or ""),
        master=str(data.get("master") or ""),
        statement_timeout_ms=int(data.get("statement_timeout_ms") or DEFAULT_TIMEOUT_MS),
        max_rows=int(data.get("max_rows") or DEFAULT_MAX_ROWS),
        max_bytes=int(data.get("max_bytes") or DEFAULT_MAX_BYTES),
        description=str(data.get("description") or ""),
        declared_in=declared_in,
    )


# ---------------------------------------------------------------- where declarations live


def declarations_file() -> Path:
    from django.conf import settings

    configured = getattr(settings, "AIMS_CONNECTIONS_FILE", None)
    return Path(configured) if configured else Path(settings.AIMS_DATA_DIR) / "connections.json"


def _read_file() -> list[dict]:
    path = declarations_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError) as exc:
        raise PolicyError("connection", "the connection declarations cannot be read (ask the administrator)") from exc
    return list(data.get("connections", [])) if isinstance(data, dict) else []


def declared_connections() -> list[Connection]:
    """Every declared connection: those of settings first, then those of the declarations file."""
    from django.conf import settings

    found: dict[str, Connection] = {}
    for data in getattr(settings, "AIMS_CONNECTIONS", None) or []:
        connection = _from_dict(dict(data), "settings")
        found.setdefault(connection.name, connection)
    for data in _read_file():
        connection = _from_dict(dict(data), "file")
        found.setdefault(connection.name, connection)
    return list(found.values())


def declaration_files() -> list[Path]:
    """Files no tenant source may read: the declarations file and every connection's DSN file."""
    paths = [declarations_file()]
    with contextlib.suppress(PolicyError):
        paths += [Path(c.dsn_file) for c in declared_connections() if c.dsn_file]
    return paths


def connections_for(organization) -> list[Connection]:
    """The connections this organization's data sources may name, by name (none while the declarations are
    unreadable: :func:`connection_for` then says so)."""
    try:
        declared = declared_connections()
    except PolicyError:
        return []
    return sorted((c for c in declared if c.available_to(organization)), key=lambda c: c.name)


def connection_for(organization, name: str, *, kind: str | None = None) -> Connection:
    """The connection ``name`` if declared for ``organization`` (and of ``kind``), else :class:`PolicyError`."""
    for connection in declared_connections():
        if connection.name == name and connection.available_to(organization):
            if kind is not None and connection.kind != kind:
                raise PolicyError("connection", f"the connection '{connection.name}' is not a {kind} connection")
            return connection
    raise PolicyError("connection", unavailable(name))


# ---------------------------------------------------------------- the application's own database


def _endpoint(host: str, port: str | int | None, dbname: str) -> tuple[str, str, str]:
    host = (host or "").strip().lower()
    if not host or host.startswith("/") or host in ("localhost", "127.0.0.1", "::1", "[::1]"):
        host = "local"
    return host, str(port or 5432), (dbname or "").strip()


def _dsn_endpoint(dsn: str) -> tuple[str, str, str] | None:
    try:
        from psycopg.conninfo import conninfo_to_dict

        params = conninfo_to_dict(dsn)
    except Exception:
        return None
    dbname = str(params.get("dbname") or params.get("user") or "")
    return _endpoint(str(params.get("host") or params.get("hostaddr") or ""), params.get("port"), dbname)


def application_endpoints() -> set[tuple[str, str, str]]:
    """Host, port and database of the application's PostgreSQL database (configured and, in tests, in use)."""
    from django.conf import settings
    from django.db import connections

    found = set()
    for settings_dict in (settings.DATABASES.get("default", {}), connections["default"].settings_dict):
        if "postgresql" in settings_dict.get("ENGINE", ""):
            host, port = settings_dict.get("HOST") or "", settings_dict.get("PORT") or ""
            names = {settings_dict.get("NAME") or "postgres", (settings_dict.get("TEST") or {}).get("NAME") or ""}
            found |= {_endpoint(host, port, name) for name in names if name}
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        endpoint = _dsn_endpoint(url)
        if endpoint:
            found.add(endpoint)
    return found


def application_database_problem(dsn: str) -> str | None:
    """Why ``dsn`` may not be a connection: it points to the application's database, or cannot be read."""
    endpoint = _dsn_endpoint(dsn)
    if endpoint is None:
        return "its connection string cannot be parsed"
    if endpoint in application_endpoints():
        return "it points to the application's own database"
    return None


def check_not_application_database(connection: Connection, dsn: str) -> None:
    """Refuse to use a connection that reaches the application's own database (checked at every use)."""
    if problem := application_database_problem(dsn):
        raise PolicyError("connection", f"the connection '{connection.name}' cannot be used: {problem}")


def same_database_as_application(pg_connection) -> bool:
    """After connecting: is this the application's database, reached under another name (an alias, an address)?"""
    from django.db import connections

    django_connection = connections["default"]
    if django_connection.vendor != "postgresql":
        return False
    query = "SELECT current_database(), inet_server_port(), host(inet_server_addr())"
    with django_connection.cursor() as cursor:
        cursor.execute(query)
        ours = cursor.fetchone()
    with pg_connection.cursor() as cursor:
        cursor.execute(query)
        theirs = cursor.fetchone()
    return tuple(ours[:2]) == tuple(theirs[:2]) and (ours[2] == theirs[2] or None in (ours[2], theirs[2]))


# ---------------------------------------------------------------- declaring (the administrator's command)


def declaration_problems(connection: Connection, *, check_dsn: bool = True) -> dict[str, str]:
    """What is wrong with a declaration, by option name (empty when it can be declared)."""
    problems: dict[str, str] = {}
    if not NAME.match(connection.name):
        problems["name"] = "use 1-63 lower-case letters, digits, - and _ (starting with a letter or digit)"
    if connection.kind not in KINDS:
        problems["kind"] = f"must be one of {', '.join(KINDS)}"
    if not connection.organizations:
        problems["org"] = "name the organizations that may use it (their slugs), or * for all"
    if connection.kind == "postgres":
        if bool(connection.dsn_env) == bool(connection.dsn_file):
            problems["dsn-env"] = "give where the connection string is held: --dsn-env VARIABLE or --dsn-file PATH"
        elif connection.dsn_env and not _ENV_NAME.match(connection.dsn_env):
            problems["dsn-env"] = "must be an environment variable name (upper-case letters, digits and _)"
        elif connection.dsn_env in RESERVED_ENV:
            problems["dsn-env"] = "names the application's own configuration; give a variable of its own"
        elif connection.dsn_file and not os.path.isabs(connection.dsn_file):
            problems["dsn-file"] = "must be an absolute path"
        if check_dsn and not problems.get("dsn-env") and not problems.get("dsn-file"):
            try:
                dsn = connection.dsn()
            except PolicyError:
                dsn = ""  # set up later: checked again at each use
            if dsn and (problem := application_database_problem(dsn)):
                problems["dsn-env" if connection.dsn_env else "dsn-file"] = f"refused: {problem}"
    elif connection.kind == "spark" and (connection.dsn_env or connection.dsn_file):
        problems["dsn-env"] = "a Spark connection has no connection string (give --master if needed)"
    for name in ("statement_timeout_ms", "max_rows", "max_bytes"):
        if getattr(connection, name) <= 0:
            problems[name.replace("_", "-")] = "must be a positive number"
    return problems


@contextlib.contextmanager
def _locked_file():
    path = declarations_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_name(path.name + ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield path
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(path: Path, rows: list[dict]) -> None:
    fd, name = tempfile.mkstemp(prefix=".connections-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"connections": rows}, out, indent=2, sort_keys=True)
            out.write("\n")
        os.chmod(name, 0o600)
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(name)
        raise


def connection_declare(connection: Connection, *, replace: bool = False) -> Connection:
    """Declare (or, with ``replace``, redeclare) a connection in the declarations file.

    Raises
    ------
    ValueError
        ``(option, message)`` pairs in ``args[0]`` when the declaration is refused.
    """
    if problems := declaration_problems(connection):
        raise ValueError(problems)
    with _locked_file() as path:
        rows = [row for row in _read_file()]
        names = [row.get("name") for row in rows]
        in_settings = any(c.name == connection.name and c.declared_in == "settings" for c in declared_connections())
        if in_settings:
            raise ValueError({"name": "a connection of that name is declared in the settings"})
        if connection.name in names and not replace:
            raise ValueError({"name": "a connection of that name exists (use --replace to redeclare it)"})
        rows = [row for row in rows if row.get("name") != connection.name] + [connection.as_dict()]
        _write(path, sorted(rows, key=lambda row: row["name"]))
    return connection


def connection_remove(name: str) -> bool:
    """Remove a declared connection from the declarations file; False if the file holds none of that name."""
    with _locked_file() as path:
        rows = _read_file()
        kept = [row for row in rows if row.get("name") != name]
        if len(kept) == len(rows):
            return False
        _write(path, kept)
    return True


def connection_check(connection: Connection) -> dict:
    """Reach a declared connection as a run would, and report what its role may do (for the administrator).

    Returns ``{"connection", "kind", "reachable", "problem", "superuser", "default_read_only", "can_create"}``;
    a PostgreSQL role should answer ``superuser: False``, ``default_read_only: True``, ``can_create: False``.
    """
    report: dict = {"connection": connection.name, "kind": connection.kind, "reachable": False, "problem": ""}
    if connection.kind != "postgres":
        report["problem"] = "only PostgreSQL connections are checked"
        return report
    from openaims.metrics import MetricsError
    from openaims.metrics.sources import POSTGRES, SourceSpec

    try:
        dsn = connection.dsn()
        check_not_application_database(connection, dsn)
        spec = SourceSpec(
            POSTGRES,
            query="SELECT r.rolsuper AS superuser, current_setting('default_transaction_read_only') = 'on' "
            "AS default_read_only, has_database_privilege(current_database(), 'CREATE') "
            "OR has_schema_privilege('public', 'CREATE') AS can_create FROM pg_roles r WHERE r.rolname = current_user",
            dsn=dsn,
            limits=connection.limits,
            label=f"connection '{connection.name}'",
            redactions=(dsn,),
            hide_paths=True,
        )
        with contextlib.ExitStack() as stack:
            relation = spec.open(stack=stack)
            if same_database_as_application(relation.engine.connection):
                raise PolicyError("connection", "it reaches the application's own database")
            row = relation.fetch(f"SELECT * FROM {relation.sql} AS q")[0]
    except (PolicyError, MetricsError) as exc:
        report["problem"] = str(exc)
        return report
    report.update(reachable=True, superuser=bool(row[0]), default_read_only=bool(row[1]), can_create=bool(row[2]))
    return report
