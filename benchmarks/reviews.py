"""The review queue on PostgreSQL with 1,000,000 items: submissions per second, and queue page latency.

The million items are not submitted through the service (each writes a trail event: hours on this machine): they
are generated in Python with the values the service stores (10 AI systems, a year of submissions; 80% decided, 15%
pending, 5% escalated, 10% blind) and loaded with ``COPY`` in one transaction; the table is then VACUUMed and
ANALYZEd. Then:

- ``review_item_submit`` (routing, one item and one trail event each, one transaction) for ``SUBMISSIONS`` new
  decisions, timed one by one; and as many through ``POST /api/v1/systems/{id}/reviews`` with Django's test
  ``Client`` (the whole middleware stack and django-ninja, no network), plus retries of them (idempotent: 200);
- queue pages, oldest first, ``PAGE_REQUESTS`` times each: the API's first page, a filtered page (one system,
  pending), overdue items, a page deep in the queue, and the web UI's queue page (open items, the default).

PostgreSQL only (the queue's deployment database); skipped without a server. ``AIMS_BENCH_REVIEW_ITEMS``,
``AIMS_BENCH_REVIEW_SUBMISSIONS`` and ``AIMS_BENCH_REVIEW_PAGES`` change the numbers.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import sys
import time
import uuid

from benchmarks.common import (
    child_result,
    child_setup,
    median,
    ms,
    percentile,
    postgres_available,
    print_table,
    progress,
    run_child,
    save,
    workspace,
)

ITEMS = int(os.environ.get("AIMS_BENCH_REVIEW_ITEMS", "1000000"))
SUBMISSIONS = int(os.environ.get("AIMS_BENCH_REVIEW_SUBMISSIONS", "2000"))
PAGE_REQUESTS = int(os.environ.get("AIMS_BENCH_REVIEW_PAGES", "30"))
SYSTEMS = 10
BATCH = 10_000


def _stats(times: list[float]) -> dict:
    return {
        "n": len(times),
        "p50_ms": ms(median(times)),
        "p95_ms": ms(percentile(times, 95)),
        "max_ms": ms(max(times)),
        "per_s": len(times) / sum(times),
    }


def _rows(organization, systems, rules, count: int):
    """Batches of ``(column: value)`` dicts of generated items, as ``review_item_submit`` and decisions store them."""
    rng = random.Random(1)
    now = dt.datetime.now(dt.UTC)
    first = now - dt.timedelta(days=365)
    step = dt.timedelta(days=365) / count
    rows = []
    for n in range(count):
        system = n % SYSTEMS
        submitted = first + step * n
        output = "decline" if rng.random() < 0.4 else "approve"
        draw = rng.random()
        status = "decided" if draw < 0.8 else ("pending" if draw < 0.95 else "escalated")
        decided = submitted + dt.timedelta(hours=rng.uniform(0.2, 30)) if status == "decided" else None
        overridden = status == "decided" and rng.random() < 0.1
        rows.append(
            {
                "id": uuid.uuid4(),
                "organization_id": organization.pk,
                "created_at": submitted,
                "updated_at": decided or submitted,
                "ai_system_id": systems[system].pk,
                "decision_id": f"B-{n:08d}",
                "idempotency_key": f"B-{n:08d}",
                "input_summary": json.dumps({"income": rng.randrange(18000, 95000, 500), "amount": 12000}),
                "ai_output": output,
                "confidence": round(rng.random(), 3),
                "explanation": json.dumps({"debt_to_income": round(rng.uniform(-0.5, 0.5), 2)}),
                "subject_groups": json.dumps({"sex": rng.choice("FM"), "age_band": rng.choice(["18-25", "26-45"])}),
                "routed_by_id": rules[system].pk,
                "routed_by_kind": "all",
                "blind": rng.random() < 0.1,
                "status": status,
                "final_outcome": ("approve" if output == "decline" else "decline")
                if overridden
                else (output if status == "decided" else ""),
                "submitted_at": submitted,
                "due_at": submitted + dt.timedelta(hours=24),
                "decided_at": decided,
                "decided_by_label": f"Reviewer {n % 7}" if decided else "",
                "seconds_to_decision": round((decided - submitted).total_seconds()) if decided else None,
                "escalated": status == "escalated",
                "assigned_to_id": None,
            }
        )
        if len(rows) == BATCH:
            yield rows
            rows = []
    if rows:
        yield rows


def _load(organization, systems, rules) -> dict:
    from django.db import connection, transaction

    from openaims.oversight.reviews.models import ReviewItem

    table = ReviewItem._meta.db_table
    columns = [f.column for f in ReviewItem._meta.concrete_fields]
    start = time.perf_counter()
    copy_sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    with transaction.atomic(), connection.cursor() as cursor, cursor.cursor.copy(copy_sql) as copy:
        for rows in _rows(organization, systems, rules, ITEMS):
            for row in rows:
                copy.write_row([row[c] for c in columns])
    loaded = time.perf_counter() - start
    with connection.cursor() as cursor:
        # What autovacuum does after a bulk insert: without the visibility map, counting the queue reads the heap
        # (a first run without it measured the pages at 145-290 ms instead of about 40).
        cursor.execute(f"VACUUM ANALYZE {table}")
    return {"items": ITEMS, "seconds": loaded, "items_per_s": ITEMS / loaded}


def _submission(n: int, prefix: str) -> dict:
    return {
        "decision_id": f"{prefix}-{n:06d}",
        "ai_output": "decline" if n % 3 == 0 else "approve",
        "confidence": 0.55,
        "input_summary": {"income": 32000, "amount": 15000},
        "explanation": {"income": -0.4, "amount": -0.2},
        "subject_groups": {"sex": "F" if n % 2 else "M"},
    }


def _bench_service(actor, system) -> dict:
    from openaims.oversight.reviews.services import review_item_submit

    times = []
    for n in range(SUBMISSIONS):
        start = time.perf_counter()
        result = review_item_submit(actor=actor, ai_system=system, **_submission(n, "S"))
        times.append(time.perf_counter() - start)
        assert result.created
    return _stats(times)


def _bench_api(client, system) -> dict:
    path = f"/api/v1/systems/{system.pk}/reviews"

    def post(n: int, expected: int) -> float:
        start = time.perf_counter()
        response = client.post(path, _submission(n, "A"), content_type="application/json")
        elapsed = time.perf_counter() - start
        if response.status_code != expected:
            raise RuntimeError(f"POST {path}: {response.status_code} {response.content[:500]!r}")
        return elapsed

    created = [post(n, 201) for n in range(SUBMISSIONS)]
    retried = [post(n, 200) for n in range(0, SUBMISSIONS, 4)]
    return {"created": _stats(created), "retried": _stats(retried)}


def _bench_pages(client, ui, systems) -> dict:
    pages = {
        "api_first_page": "/api/v1/reviews?limit=50",
        "api_system_pending": f"/api/v1/reviews?limit=50&status=pending&ai_system_id={systems[3].pk}",
        "api_overdue": "/api/v1/reviews?limit=50&overdue=true",
        "api_offset_100000": "/api/v1/reviews?limit=50&offset=100000",
        "ui_queue_open": "/reviews/",
        # One system's 100,000 items, all time: overall, per reviewer, per group.
        "api_oversight_metrics": f"/api/v1/systems/{systems[3].pk}/oversight-metrics",
        "ui_oversight_page": f"/systems/{systems[3].pk}/oversight/",
    }
    results = {}
    for name, path in pages.items():
        who = ui if name.startswith("ui") else client
        times = []
        for _ in range(PAGE_REQUESTS + 2):
            start = time.perf_counter()
            response = who.get(path)
            times.append(time.perf_counter() - start)
            if response.status_code != 200:
                raise RuntimeError(f"GET {path}: {response.status_code} {response.content[:500]!r}")
        results[name] = {"path": path, **_stats(times[2:])}  # the first two warm caches up
        if name.startswith("api") and "count" in response.json():
            results[name]["count"] = response.json()["count"]
    return results


def child() -> None:
    child_setup()
    from django.test import Client

    from openaims.accounts.selectors import actor_for
    from openaims.accounts.services import organization_create, token_create, user_create
    from openaims.inventory.services import ai_system_create
    from openaims.oversight.reviews.services import routing_rule_create

    owner = user_create(username="bench-owner@example.org", password=None)
    actor = actor_for(owner, organization_create(name="Review queue", slug="review-queue", owner=owner))
    systems = [ai_system_create(actor=actor, name=f"Scorer {i}", purpose="Scores.") for i in range(SYSTEMS)]
    rules = [routing_rule_create(actor=actor, ai_system=s, name="Every decision", kind="all") for s in systems]
    progress(f"generating and copying {ITEMS:,} review items")
    result = {"load": _load(actor.organization, systems, rules)}
    progress(f"review_item_submit ×{SUBMISSIONS:,}")
    result["service"] = _bench_service(actor, systems[0])
    _, raw = token_create(actor=actor, user=owner, name="bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")
    progress(f"POST /api/v1/systems/{{id}}/reviews ×{SUBMISSIONS:,}, then retries")
    result["api"] = _bench_api(client, systems[1])
    ui = Client()
    ui.force_login(owner)
    progress(f"queue pages ×{PAGE_REQUESTS}")
    result["pages"] = _bench_pages(client, ui, systems)
    child_result(result)


def run() -> dict:
    results: dict = {"items": ITEMS, "submissions": SUBMISSIONS, "page_requests": PAGE_REQUESTS}
    if not postgres_available():
        print("PostgreSQL: no server at 127.0.0.1:5432; the review queue benchmark needs it")
        return results
    with workspace("postgres", "reviews") as env:
        r = run_child("benchmarks.reviews", env, timeout=7200)
    results["postgres"] = r
    rows = [
        [f"COPY {ITEMS:,} items (items/s)", round(r["load"]["items_per_s"]), "", ""],
        [f"review_item_submit ×{SUBMISSIONS:,} (per s, p50, p95 ms)", *_trio(r["service"])],
        [f"POST …/reviews ×{SUBMISSIONS:,}, 201 (per s, p50, p95 ms)", *_trio(r["api"]["created"])],
        ["POST …/reviews retries, 200 (per s, p50, p95 ms)", *_trio(r["api"]["retried"])],
    ]
    for page in r["pages"].values():
        rows.append([f"GET {page['path'][:60]}", "", page["p50_ms"], page["p95_ms"]])
    print_table(f"Review queue, {ITEMS:,} items (PostgreSQL)", ["measure", "per s", "p50 ms", "p95 ms"], rows)
    results["table"] = rows
    save("reviews", results)
    return results


def _trio(stats: dict) -> list:
    return [round(stats["per_s"], 1), stats["p50_ms"], stats["p95_ms"]]


if __name__ == "__main__":
    child() if "--child" in sys.argv else run()
