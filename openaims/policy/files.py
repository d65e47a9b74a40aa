"""Files and folders a tenant names: resolved inside the organization's own data area, or refused.

An organization reads files only under its *data area*: its import folder ``AIMS_DATA_DIR/imports/<slug>/``
(where the administrator puts the logs it may monitor) and any folder the administrator adds for it in
``AIMS_IMPORT_ROOTS``. A location is resolved (``..`` and every symbolic link followed) and must land inside
one of those roots; the rest of ``AIMS_DATA_DIR`` (prediction stores, evidence, the secret key), the
application's SQLite database and the connection declarations stay out of reach even when an administrator's
root contains them. The check runs when a data source is saved and again, on the files themselves, when it is
read (a file swapped for a symbolic link after saving is refused then).

:func:`resolve_inside` is framework-free (the monitoring engine's command line could use it); the functions
that know an organization read Django settings lazily.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path

#: Characters the engines read as wildcards (DuckDB and Spark expand globs): never in a location.
WILDCARDS = frozenset("*?[]{}")
#: What a Parquet data source may name: a Parquet file, or a folder of them.
PARQUET_SUFFIXES = (".parquet", ".pq")
#: How many entries a folder's check walks before giving up (a folder this large is refused, not scanned).
MAX_FOLDER_ENTRIES = 100_000

OUTSIDE = "resolves outside this organization's data area"
MISSING = "no such file or folder in this organization's data area"


class PolicyError(ValueError):
    """A tenant-supplied location or connection refused: ``field`` names the input, ``message`` the problem.

    The message never contains a server path, an environment value, a DSN or another organization's id.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


def _inside(path: Path, root: Path) -> bool:
    return path == root or path.is_relative_to(root)


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


def resolve_inside(
    location: str,
    roots: Sequence[Path],
    *,
    forbidden: Iterable[Path] = (),
    must_exist: bool = False,
    suffixes: Sequence[str] = PARQUET_SUFFIXES,
    field: str = "location",
) -> Path:
    """The real path of ``location`` if it lies inside one of ``roots`` and inside none of ``forbidden``.

    A relative location is read from the first root. With ``must_exist`` the file or folder must exist. Every
    entry of an existing folder (followed through its links) must lie inside the same roots.

    Raises
    ------
    PolicyError
        Naming ``field`` and the problem, never the path.
    """
    text = (location or "").strip()
    if not text:
        raise PolicyError(field, "give a file or folder of this organization's data area")
    if "\x00" in text or "\\" in text or any(c in WILDCARDS for c in text):
        raise PolicyError(field, "use a plain file or folder path, without wildcards (* ? [ ] { }) or backslashes")
    if "://" in text or text.startswith("~"):
        raise PolicyError(field, "use a file or folder path of this organization's data area, not a URL")
    if not roots:
        raise PolicyError(field, OUTSIDE)
    real_roots = [_real(root) for root in roots]
    forbidden_real = [_real(path) for path in forbidden]
    candidate = Path(text) if os.path.isabs(text) else Path(roots[0]) / text
    resolved = _real(candidate)

    def allowed(path: Path) -> bool:
        return any(_inside(path, root) for root in real_roots) and not any(_inside(path, bad) for bad in forbidden_real)

    if not allowed(resolved):
        raise PolicyError(field, OUTSIDE)
    if resolved.suffix.lower() not in suffixes and resolved.exists() and not resolved.is_dir():
        raise PolicyError(field, f"name a folder or a file ending in {' or '.join(suffixes)}")
    if not resolved.exists():
        if must_exist:
            raise PolicyError(field, MISSING)
        if resolved.suffix and resolved.suffix.lower() not in suffixes:
            raise PolicyError(field, f"name a folder or a file ending in {' or '.join(suffixes)}")
        return resolved
    if resolved.is_dir():
        _check_folder(resolved, allowed, field)
    return resolved


def _check_folder(folder: Path, allowed, field: str) -> None:
    """Every entry under ``folder``, links followed, stays in the allowed area (links leading out are refused)."""
    seen: set[Path] = set()
    entries = 0
    for dirpath, dirnames, filenames in os.walk(folder, followlinks=True):
        here = _real(Path(dirpath))
        if not allowed(here):
            raise PolicyError(field, "the folder holds a link that " + OUTSIDE)
        if here in seen:  # a link loop: do not walk it again
            dirnames[:] = []
            continue
        seen.add(here)
        for name in filenames:
            entries += 1
            if entries > MAX_FOLDER_ENTRIES:
                raise PolicyError(field, f"the folder holds more than {MAX_FOLDER_ENTRIES} files")
            if not allowed(_real(Path(dirpath) / name)):
                raise PolicyError(field, "the folder holds a link that " + OUTSIDE)


def relative_label(resolved: Path, roots: Sequence[Path]) -> str:
    """How messages name a resolved file: relative to the root that holds it (never the server path)."""
    for root in roots:
        real = _real(root)
        if _inside(resolved, real):
            relative = resolved.relative_to(real).as_posix()
            return relative if relative != "." else "(the data area)"
    return "(the data area)"


# ---------------------------------------------------------------- an organization's data area (Django settings)


def import_root(organization) -> Path:
    """The organization's import folder: ``AIMS_DATA_DIR/imports/<slug>/`` (it may not exist yet)."""
    from django.conf import settings

    return Path(settings.AIMS_DATA_DIR) / "imports" / organization.slug


def _import_roots(value) -> dict:
    """``AIMS_IMPORT_ROOTS``: a mapping, or its JSON text (as the environment gives it); absolute folders only."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except ValueError:
            return {}
    if not isinstance(value, dict):
        return {}
    return {
        str(slug): [p for p in ([paths] if isinstance(paths, str) else paths or []) if os.path.isabs(str(p))]
        for slug, paths in value.items()
    }


def organization_roots(organization) -> list[Path]:
    """The folders an organization's file sources may read: its import folder, then the administrator's extras."""
    from django.conf import settings

    extra = _import_roots(getattr(settings, "AIMS_IMPORT_ROOTS", None)).get(organization.slug, [])
    if isinstance(extra, str | os.PathLike):
        extra = [extra]
    return [import_root(organization), *(Path(p) for p in extra)]


def forbidden_paths(organization) -> list[Path]:
    """What no tenant file source reaches, whatever the roots: the data directory (but the organization's
    import folder), the application's SQLite database and the connection declarations and their DSN files."""
    from django.conf import settings
    from django.db import connections

    data_dir = _real(Path(settings.AIMS_DATA_DIR))
    own = _real(import_root(organization))
    # The data directory is forbidden but for the organization's own import folder: forbid its other entries.
    paths: list[Path] = []
    for ancestor in [own, *own.parents]:
        if ancestor == data_dir or not _inside(ancestor, data_dir):
            break
        parent = ancestor.parent
        if parent.is_dir():
            paths += [_real(entry) for entry in parent.iterdir() if _real(entry) != ancestor]
    if not _inside(own, data_dir):
        paths.append(data_dir)
    for alias in connections:
        settings_dict = connections[alias].settings_dict
        if "sqlite" in settings_dict.get("ENGINE", "") and settings_dict.get("NAME"):
            name = str(settings_dict["NAME"])
            if not name.startswith(":memory:") and "mode=memory" not in name:
                paths += [Path(name + suffix) for suffix in ("", "-wal", "-shm", "-journal")]
    from openaims.policy.connections import declaration_files

    paths += declaration_files()
    return paths


def confine(organization, location: str, *, must_exist: bool = False, field: str = "location") -> Path:
    """The real path of a tenant's ``location`` inside its organization's data area, or :class:`PolicyError`."""
    return resolve_inside(
        location,
        organization_roots(organization),
        forbidden=forbidden_paths(organization),
        must_exist=must_exist,
        field=field,
    )


def label_for(organization, resolved: Path) -> str:
    """The name messages give a confined file: its path inside the data area."""
    return relative_label(resolved, organization_roots(organization))
