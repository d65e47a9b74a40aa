"""openaims.metrics is framework-free: no module imports Django, and importing the package loads none of it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import openaims.metrics

PACKAGE = Path(openaims.metrics.__file__).parent


def test_no_module_imports_django():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            offenders += [f"{path.name}: {name}" for name in names if name.split(".")[0] in ("django", "ninja")]
    assert offenders == []


def test_importing_and_computing_loads_no_django():
    code = (
        "import sys\n"
        "from openaims.metrics import fairness, drift\n"
        "fairness([0, 1], [1, 1], sensitive_features=['a', 'b'])\n"
        "drift({'x': [1.0, 2.0]}, {'x': [1.0, 3.0]})\n"
        "assert not [m for m in sys.modules if m.split('.')[0] == 'django'], 'django imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=PACKAGE.parent.parent)
