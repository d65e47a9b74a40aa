"""The framework-free packages import nothing from Django (DESIGN.md, Layout)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

PACKAGES = ["openaims.trail", "openaims.catalog", "openaims.metrics", "openaims.classify"]


@pytest.mark.parametrize("package", [p for p in PACKAGES if importlib.util.find_spec(p) is not None])
def test_package_does_not_import_django(package):
    code = (
        f"import sys, pkgutil, importlib; import {package} as p\n"
        "for m in pkgutil.walk_packages(p.__path__, p.__name__ + '.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.'))\n"
        "assert not bad, bad\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env={"PATH": ""})
    assert result.returncode == 0, result.stderr
