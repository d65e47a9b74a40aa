"""The AI system API with 10,000 systems: list pages and detail, latency and SQL queries per request.

The first ``VIA_SERVICES`` systems are loaded through the services (``ai_system_create``, one trail event each,
one transaction) to measure that rate; at about 30 systems a second on the benchmark machine, the rest are added
with ``bulk_create`` (same field values, datasets and suppliers linked, no trail events: the API does not read
them). Model versions go through ``model_version_create``; on PostgreSQL the tables are then ANALYZEd. Requests go
through Django's test ``Client`` in-process (the whole middleware stack and django-ninja, no network), authenticated
with an API token.
``AIMS_BENCH_SYSTEMS`` and ``AIMS_BENCH_VIA_SERVICES`` change the numbers.
"""

from __future__ import annotations

import os
import random
import sys
import time

from benchmarks.common import (
    child_result,
    child_setup,
    engines,
    median,
    ms,
    percentile,
    print_table,
    progress,
    run_child,
    save,
    workspace,
)

SYSTEMS = int(os.environ.get("AIMS_BENCH_SYSTEMS", "10000"))
VIA_SERVICES = min(SYSTEMS, int(os.environ.get("AIMS_BENCH_VIA_SERVICES", "500")))
DATASETS, SUPPLIERS, MODEL_VERSIONS = 20, 10, 500
LIST_REQUESTS_PER_OFFSET = 30
DETAIL_REQUESTS = 200
PAGE_SIZES = (10, 50, 200)


def _fields(i: int, rng: random.Random, owner, datasets, suppliers) -> dict:
    from openaims.inventory.choices import LIFECYCLE_ORDER

    return {
        "name": f"System {i:05} {rng.choice(['scoring', 'triage', 'chatbot', 'forecast', 'vision'])}",
        "purpose": f"Benchmark system number {i}, decides nothing of consequence.",
        "description": "A system loaded by the API benchmark. " * 3,
        "owner": owner,
        "business_unit": rng.choice(["Retail", "Risk", "HR", "Operations"]),
        "lifecycle_stage": rng.choice(LIFECYCLE_ORDER),
        "ai_roles": ["provider"],
        "tags": sorted(rng.sample(["credit", "hr", "nlp", "vision", "internal", "eu"], 2)),
        "datasets": rng.sample(datasets, 2),
        "suppliers": rng.sample(suppliers, 1),
    }


def _load(actor, owner) -> dict:
    """Datasets, suppliers, AI systems and model versions (see the module's docstring)."""
    from django.db import transaction
    from django.utils import timezone

    from openaims.inventory import services
    from openaims.inventory.models import AISystem

    rng = random.Random(42)
    with transaction.atomic():
        datasets = [services.dataset_create(actor=actor, name=f"Dataset {i:02}") for i in range(DATASETS)]
        suppliers = [services.supplier_create(actor=actor, name=f"Supplier {i:02}") for i in range(SUPPLIERS)]
        start = time.perf_counter()
        systems = [
            services.ai_system_create(actor=actor, **_fields(i, rng, owner, datasets, suppliers))
            for i in range(VIA_SERVICES)
        ]
        service_s = time.perf_counter() - start
        start = time.perf_counter()
        links: dict[str, list] = {"datasets": [], "suppliers": []}
        for i in range(VIA_SERVICES, SYSTEMS):
            fields = _fields(i, rng, owner, datasets, suppliers)
            related = {name: fields.pop(name) for name in links}
            if fields["lifecycle_stage"] in {"deployed", "operating"}:
                fields.update(deployment_approved_by=owner, deployment_approved_at=timezone.now())
            system = AISystem(organization=actor.organization, **fields)
            systems.append(system)
            for name, targets in related.items():
                through = getattr(AISystem, name).through
                links[name] += [through(aisystem=system, **{name[:-1]: target}) for target in targets]
        AISystem.objects.bulk_create(systems[VIA_SERVICES:], batch_size=1000)
        for name, rows in links.items():
            getattr(AISystem, name).through.objects.bulk_create(rows, batch_size=2000)
        bulk_s = time.perf_counter() - start
        for i in range(MODEL_VERSIONS):
            services.model_version_create(actor=actor, ai_system=systems[i // 2], version=f"1.{i % 2}")
    return {
        "via_services": VIA_SERVICES,
        "via_services_s": service_s,
        "systems_per_s": VIA_SERVICES / service_s,
        "via_bulk_create_s": bulk_s,
        "ids": [str(s.pk) for s in systems],
    }


def _orm_page(actor, limit: int) -> float:
    """The list endpoint's queryset (as in ``inventory/api.py``) and page, without HTTP or serialization."""
    from openaims.base.api import paginate
    from openaims.base.selectors import scoped
    from openaims.inventory.models import AISystem

    start = time.perf_counter()
    qs = scoped(AISystem, actor).select_related("owner").prefetch_related("datasets", "suppliers")
    paginate(qs, limit, 100)
    return time.perf_counter() - start


def _request(client, path: str) -> tuple[float, dict]:
    start = time.perf_counter()
    response = client.get(path)
    elapsed = time.perf_counter() - start
    if response.status_code != 200:
        raise RuntimeError(f"GET {path}: {response.status_code} {response.content[:500]!r}")
    return elapsed, response.json()


def _stats(times: list[float]) -> dict:
    return {
        "n": len(times),
        "min_ms": ms(min(times)),
        "p50_ms": ms(median(times)),
        "p99_ms": ms(percentile(times, 99)),
        "max_ms": ms(max(times)),
    }


def child() -> None:
    child_setup()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from openaims.accounts.selectors import actor_for
    from openaims.accounts.services import organization_create, token_create, user_create

    owner = user_create(username="bench-owner@example.org", password=None)
    organization = organization_create(name="API bench", slug="api-bench", owner=owner)
    actor = actor_for(owner, organization)
    loaded = _load(actor, owner)
    ids = loaded.pop("ids")
    if connection.vendor == "postgresql":
        # Fresh planner statistics, as autovacuum soon gives a table after a load this size. Without them PostgreSQL
        # estimates 10 rows, sorts all 10,000 instead of reading the (organization, name) index: ~10× slower pages.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    _, raw = token_create(actor=actor, user=owner, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    for _ in range(5):  # warm up: URL resolver, ninja schemas, the token's last-used time
        _request(client, "/api/v1/systems?limit=50")
        _request(client, f"/api/v1/systems/{ids[0]}")

    offsets = sorted({0, 50, 1000, SYSTEMS // 2, max(SYSTEMS - 50, 0)})
    lists, all_list = {}, []
    for offset in offsets:
        times = []
        for _ in range(LIST_REQUESTS_PER_OFFSET):
            elapsed, body = _request(client, f"/api/v1/systems?limit=50&offset={offset}")
            assert body["count"] == SYSTEMS and len(body["items"]) == min(50, SYSTEMS - offset), body["count"]
            times.append(elapsed)
        lists[str(offset)] = _stats(times)
        all_list += times
    rng = random.Random(7)
    detail = [_request(client, f"/api/v1/systems/{rng.choice(ids)}")[0] for _ in range(DETAIL_REQUESTS)]

    queries, sizes, orm, sql = {}, {}, {}, {}
    for limit in PAGE_SIZES:
        with CaptureQueriesContext(connection) as captured:
            _, body = _request(client, f"/api/v1/systems?limit={limit}&offset=100")
        assert len(body["items"]) == limit
        queries[f"list limit={limit}"] = len(captured.captured_queries)
        sql["list"] = [q["sql"][:160] for q in captured.captured_queries]
        times = [_request(client, f"/api/v1/systems?limit={limit}&offset=100")[0] for _ in range(20)]
        sizes[str(limit)] = _stats(times)
        orm[str(limit)] = _stats([_orm_page(actor, limit) for _ in range(20)])
    with CaptureQueriesContext(connection) as captured:
        _request(client, f"/api/v1/systems/{ids[1]}")
    queries["detail"] = len(captured.captured_queries)
    sql["detail"] = [q["sql"][:160] for q in captured.captured_queries]
    child_result(
        {
            **loaded,
            "list_by_offset": lists,
            "list_all": _stats(all_list),
            "detail": _stats(detail),
            "list_by_page_size": sizes,
            "orm_only_by_page_size": orm,
            "queries": queries,
            "sql": sql,
        }
    )


def run() -> dict:
    results: dict = {"systems": SYSTEMS, "datasets": DATASETS, "suppliers": SUPPLIERS, "model_versions": MODEL_VERSIONS}
    for engine in engines():
        progress(f"{engine}: loading {SYSTEMS:,} AI systems through the services, then timing the API")
        with workspace(engine, "api") as env:
            results[engine] = run_child("benchmarks.api", env)
    names = [e for e in ("sqlite", "postgres") if e in results]
    rows = [["ai_system_create, one transaction (systems/s)", *[round(results[e]["systems_per_s"], 1) for e in names]]]
    for offset in results[names[0]]["list_by_offset"]:
        rows.append(
            [
                f"GET /systems?limit=50&offset={offset} p50 / p99 (min)",
                *[_pair(results[e]["list_by_offset"][offset]) for e in names],
            ]
        )
    rows.append(["GET /systems?limit=50, all offsets p50 / p99 (min)", *[_pair(results[e]["list_all"]) for e in names]])
    rows.append(["GET /systems/{id} p50 / p99 (min)", *[_pair(results[e]["detail"]) for e in names]])
    for limit in PAGE_SIZES:
        stats = [results[e]["list_by_page_size"][str(limit)] for e in names]
        rows.append([f"GET /systems?limit={limit}&offset=100 p50 / p99 (min)", *map(_pair, stats)])
        stats = [results[e]["orm_only_by_page_size"][str(limit)] for e in names]
        rows.append(["  of which queryset + paginate (no HTTP) p50 / p99 (min)", *map(_pair, stats)])
    print_table(f"API with {SYSTEMS:,} AI systems (ms; in-process test Client)", ["measure", *names], rows)
    query_rows = [[k, *[results[e]["queries"][k] for e in names]] for k in results[names[0]]["queries"]]
    print_table("SQL queries per request", ["request", *names], query_rows)
    counts = {results[e]["queries"][f"list limit={n}"] for e in names for n in PAGE_SIZES}
    results["query_count_constant"] = all(
        len({results[e]["queries"][f"list limit={n}"] for n in PAGE_SIZES}) == 1 for e in names
    )
    verdict = "yes" if results["query_count_constant"] else "NO: it grows with the page size, a bug"
    print(f"\n  list query count independent of page size: {verdict} ({sorted(counts)})")
    results["table"], results["query_table"] = rows, query_rows
    save("api", results)
    return results


def _pair(stats: dict) -> str:
    return f"{stats['p50_ms']:.1f} / {stats['p99_ms']:.1f} ({stats['min_ms']:.1f})"


if __name__ == "__main__":
    child() if "--child" in sys.argv else run()
