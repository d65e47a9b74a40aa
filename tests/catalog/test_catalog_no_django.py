"""The catalog is framework-free: no module in openaims/catalog imports Django, directly or through a dependency."""

import ast
import subprocess
import sys
from pathlib import Path

import openaims.catalog

PACKAGE_DIR = Path(openaims.catalog.__file__).resolve().parent
REPO_ROOT = PACKAGE_DIR.parents[1]


def imported_modules(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_no_module_imports_django():
    modules = sorted(PACKAGE_DIR.rglob("*.py"))
    assert modules, PACKAGE_DIR
    offenders = [
        f"{path.relative_to(PACKAGE_DIR)}: {name}"
        for path in modules
        for name in imported_modules(path)
        if name == "django" or name.startswith(("django.", "ninja"))
    ]
    assert offenders == []


def test_importing_and_using_the_catalog_loads_no_django():
    code = (
        "import sys, openaims.catalog as c; c.builtin_crosswalks();"
        "c.export_oscal_catalog(c.get_framework('iso42001'));"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'));"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
