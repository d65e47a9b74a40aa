"""SQLite under a long import: API reads with a token keep answering while another connection holds the write lock.

The suite's SQLite database lives in memory, where this cannot happen as in production; the scenario runs in a child
process on a file database (WAL, as ``aims init`` creates it), with a thread holding an import's write transaction
open while the main thread reads through the API with tokens that were never used (so each wants its last-used
time written).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

SCENARIO = textwrap.dedent(
    """
    import json, threading
    import django
    from django.conf import settings

    # Shorter than production's 20 s so that the test is quick; the import holds the lock far longer than this.
    settings.DATABASES["default"]["OPTIONS"]["timeout"] = 1
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    call_command("migrate", verbosity=0)
    from openaims.accounts.selectors import actor_for
    from openaims.accounts.services import organization_create, token_create, user_create
    from openaims.inventory.services import ai_system_create

    owner = user_create(username="owner@example.org", password="correct-horse-battery")
    organization = organization_create(name="Acme AI", slug="acme", owner=owner)
    actor = actor_for(owner, organization)
    raws = [token_create(actor=actor, user=owner, name=f"reader {n}")[1] for n in range(3)]
    journal = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]

    holding, finish = threading.Event(), threading.Event()

    def long_import():
        # An import's transaction: rows written, the write lock held until the last row is in.
        with transaction.atomic():
            for n in range(50):
                ai_system_create(actor=actor, name=f"Imported system {n}", purpose="imported")
            holding.set()
            finish.wait(60)
        connection.close()

    writer = threading.Thread(target=long_import)
    writer.start()
    holding.wait(60)
    statuses = []
    try:
        for raw in raws:
            client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}", raise_request_exception=False)
            for path in ("/api/v1/me", "/api/v1/systems", "/api/v1/systems?limit=5"):
                statuses.append(client.get(path).status_code)
    finally:
        finish.set()
        writer.join(60)
    from openaims.inventory.models import AISystem
    print(json.dumps({"journal": journal, "statuses": statuses, "imported": AISystem.objects.count()}))
    """
)


def test_api_reads_answer_while_an_import_holds_the_write_lock(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'openaims.sqlite3'}",
        "AIMS_DATA_DIR": str(tmp_path / "data"),
        "AIMS_SECRET_KEY": "test-secret-key-not-for-production-0123456789abcdef",
        "AIMS_TESTING": "1",
        "DJANGO_SETTINGS_MODULE": "openaims.web.settings",
    }
    repository = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", SCENARIO], cwd=repository, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["journal"] == "wal"
    assert result["statuses"] == [200] * 9
    assert result["imported"] == 50
