"""``aims management-review``: management reviews (9.3) from the command line."""

from __future__ import annotations

import datetime as dt

import typer
from rich.table import Table

from openaims.cli.common import JsonOption, OrgOption, UserOption, console, fail, print_json, resolve_actor, run_service

app = typer.Typer(
    help="Management reviews (9.3): plan, hold, record decisions and actions, minutes.", no_args_is_help=True
)

ReviewArgument = typer.Argument(..., metavar="ID", help="The review: MR-0001 or its id.")


def _review_dict(review) -> dict:
    from openaims.management_review.schemas import ManagementReviewOut

    return ManagementReviewOut.from_orm(review).model_dump(mode="json")


def _action_dict(action) -> dict:
    from openaims.management_review.schemas import ManagementReviewActionOut

    return ManagementReviewActionOut.from_orm(action).model_dump(mode="json")


def _find_review(actor, reference: str):
    """A review of the actor's organization by reference (MR-0001) or id; else one line and exit 1."""
    from openaims.management_review.selectors import find_review

    review = run_service(find_review, actor, reference)
    if review is None:
        fail(f"ID: no management review {reference!r} in {actor.organization.slug}")
    return review


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)")


def _member(actor, username: str, option: str):
    from openaims.accounts.models import User

    match = User.objects.filter(username=username, memberships__organization=actor.organization).first()
    if match is None:
        fail(f"{option}: {username!r} is not a member of {actor.organization.slug}")
    return match


def _choice(value: str, option: str, choices) -> str:
    if value not in choices.values:
        fail(f"{option}: {value!r} is not one of {', '.join(choices.values)}")
    return value


@app.command("plan")
def plan(
    title: str = typer.Argument(..., help="The review's title."),
    planned_for: str = typer.Option(..., "--planned-for", help="The date it is planned for, YYYY-MM-DD."),
    interval_months: int = typer.Option(12, "--interval-months", help="Months until the next review is due."),
    chair: str = typer.Option(None, "--chair", help="The chair (username of a member of top management)."),
    attendee: list[str] = typer.Option(None, "--attendee", help="An attendee (username); repeat for more."),
    other_attendees: str = typer.Option("", "--other-attendees", help="Guests who are not members."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Plan a management review (number MR-0001, …)."""
    from openaims.management_review.services import management_review_create

    actor = resolve_actor(org, user)
    if not 1 <= interval_months <= 36:
        fail(f"--interval-months: {interval_months} is not between 1 and 36")
    review = run_service(
        management_review_create,
        actor=actor,
        title=title,
        planned_for=_date(planned_for, "--planned-for"),
        interval_months=interval_months,
        chair=_member(actor, chair, "--chair") if chair else None,
        attendees=[_member(actor, name, "--attendee") for name in attendee or []],
        other_attendees=other_attendees,
    )
    if json_output:
        print_json(_review_dict(review))
        return
    console.print(f"{review.reference} “{review.title}” planned for {review.planned_for}.")


@app.command("list")
def list_reviews(
    status: str = typer.Option(None, "--status", help="planned, held or minutes_issued."),
    overdue: bool = typer.Option(None, "--overdue/--not-overdue", help="Only reviews planned and past their date."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """List the management reviews, latest planned first."""
    from openaims.management_review.choices import ManagementReviewStatus
    from openaims.management_review.selectors import (
        api_management_reviews,
        filter_management_reviews,
        management_reviews,
    )

    actor = resolve_actor(org, user)
    if status:
        _choice(status, "--status", ManagementReviewStatus)
    qs = api_management_reviews(
        filter_management_reviews(run_service(management_reviews, actor), {"status": status, "overdue": overdue})
    )
    if json_output:
        print_json([_review_dict(review) for review in qs])
        return
    table = Table(title=f"Management reviews of {actor.organization.name}")
    table.add_column("Reference", no_wrap=True)
    for column in ("Title", "Planned for", "Held on", "Chair", "Next due", "Status"):
        table.add_column(column)
    for review in qs:
        table.add_row(
            review.reference,
            review.title,
            str(review.planned_for),
            str(review.held_on or "—"),
            str(review.chair or "—"),
            str(review.next_due or "—"),
            review.status + (" (overdue)" if review.overdue else ""),
        )
    console.print(table)


@app.command("show")
def show(
    reference: str = ReviewArgument,
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Show a review: its inputs (frozen once held, a live preview while planned), decisions and actions."""
    from openaims.management_review.present import period_label, present_inputs
    from openaims.management_review.selectors import review_inputs

    actor = resolve_actor(org, user)
    review = _find_review(actor, reference)
    inputs = review_inputs(review)
    decisions = list(review.decisions.order_by("created_at"))
    actions = list(review.actions.select_related("owner").order_by("due_date", "created_at"))
    if json_output:
        print_json(
            {
                **_review_dict(review),
                "inputs": inputs,
                "decisions": [{"category": d.category, "text": d.text} for d in decisions],
                "actions": [_action_dict(a) for a in actions],
            }
        )
        return
    console.print(f"[bold]{review.reference} {review.title}[/] — {review.get_status_display()}", highlight=False)
    console.print(
        f"Planned for {review.planned_for}; held on {review.held_on or '—'}; chair {review.chair or '—'}; "
        f"inputs {period_label(inputs)}" + (f", SHA-256 {review.inputs_sha256}" if review.is_held else " (live)"),
        highlight=False,
    )
    for section in present_inputs(inputs):
        table = Table(title=section.title, show_header=False)
        table.add_column("Figure")
        table.add_column("Value")
        for label, value in section.figures:
            table.add_row(label, value)
        console.print(table)
    table = Table(title="Decisions")
    for column in ("Category", "Decision"):
        table.add_column(column)
    for decision in decisions:
        table.add_row(decision.get_category_display(), decision.text)
    console.print(table)
    table = Table(title="Actions")
    for column in ("Id", "Action", "Owner", "Due", "Status"):
        table.add_column(column)
    for action in actions:
        table.add_row(
            str(action.pk),
            action.title,
            str(action.owner or "—"),
            str(action.due_date),
            action.status + (" (overdue)" if action.overdue else ""),
        )
    console.print(table)


@app.command("hold")
def hold(
    reference: str = ReviewArgument,
    held_on: str = typer.Option(None, "--held-on", help="The day it was held, YYYY-MM-DD (default: today)."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Record that a planned review was held: its inputs are compiled from the records and frozen."""
    from openaims.management_review.services import management_review_hold

    actor = resolve_actor(org, user)
    review = _find_review(actor, reference)
    held = run_service(
        management_review_hold, actor=actor, management_review=review, held_on=_date(held_on, "--held-on")
    )
    if json_output:
        print_json(_review_dict(held))
        return
    console.print(f"{held.reference} held on {held.held_on}; inputs frozen, SHA-256 {held.inputs_sha256}.")


@app.command("decide")
def decide(
    reference: str = ReviewArgument,
    text: str = typer.Option(..., "--text", help="What was decided."),
    category: str = typer.Option("improvement", "--category", help="improvement, aims_change, resource_need or other."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Record a decision of a held review."""
    from openaims.management_review.choices import ReviewDecisionCategory
    from openaims.management_review.schemas import ManagementReviewDecisionOut
    from openaims.management_review.services import review_decision_create

    actor = resolve_actor(org, user)
    _choice(category, "--category", ReviewDecisionCategory)
    review = _find_review(actor, reference)
    decision = run_service(review_decision_create, actor=actor, review=review, category=category, text=text)
    if json_output:
        print_json(ManagementReviewDecisionOut.from_orm(decision).model_dump(mode="json"))
        return
    console.print(f"Decision recorded on {review.reference} ({decision.get_category_display().lower()}).")


@app.command("action")
def action(
    reference: str = ReviewArgument,
    title: str = typer.Option(..., "--title", help="What is to be done."),
    owner: str = typer.Option(..., "--owner", help="The member who carries it (username)."),
    due: str = typer.Option(..., "--due", help="When it is due, YYYY-MM-DD (not before the review)."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Give an action of a held review an owner and a due date."""
    from openaims.management_review.services import review_action_create

    actor = resolve_actor(org, user)
    review = _find_review(actor, reference)
    created = run_service(
        review_action_create,
        actor=actor,
        review=review,
        title=title,
        owner=_member(actor, owner, "--owner"),
        due_date=_date(due, "--due"),
    )
    if json_output:
        print_json(_action_dict(created))
        return
    console.print(f"Action {created.pk} “{created.title}” given to {created.owner}, due {created.due_date}.")


@app.command("close-action")
def close_action(
    action_id: str = typer.Argument(..., metavar="ACTION_ID", help="The action's id (see `show`)."),
    note: str = typer.Option(..., "--note", help="What was done (or, with --cancel, why it is cancelled)."),
    cancel: bool = typer.Option(False, "--cancel", help="Cancel the action instead of recording it done."),
    closed_on: str = typer.Option(None, "--closed-on", help="The day it was done, YYYY-MM-DD (default: today)."),
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Record a review action done (with a note), or cancel it."""
    from openaims.base.errors import NotFound
    from openaims.base.selectors import get_scoped
    from openaims.management_review.models import ReviewAction
    from openaims.management_review.services import review_action_cancel, review_action_close

    actor = resolve_actor(org, user)
    try:
        found = get_scoped(ReviewAction, actor, action_id)
    except NotFound:
        fail(f"ACTION_ID: no review action {action_id!r} in {actor.organization.slug}")
    if cancel:
        if closed_on:
            fail("--closed-on: not with --cancel")
        done = run_service(review_action_cancel, actor=actor, review_action=found, note=note)
    else:
        done = run_service(
            review_action_close, actor=actor, review_action=found, note=note, closed_on=_date(closed_on, "--closed-on")
        )
    if json_output:
        print_json(_action_dict(done))
        return
    console.print(f"Action “{done.title}” {done.get_status_display().lower()} on {done.closed_on}.")


@app.command("issue")
def issue(
    reference: str = ReviewArgument,
    org: str = OrgOption,
    user: str = UserOption,
    json_output: bool = JsonOption,
) -> None:
    """Issue the minutes of a held review (read-only from then on, but for its actions' progress)."""
    from openaims.management_review.services import management_review_issue_minutes

    actor = resolve_actor(org, user)
    review = _find_review(actor, reference)
    issued = run_service(management_review_issue_minutes, actor=actor, management_review=review)
    if json_output:
        print_json(_review_dict(issued))
        return
    console.print(f"Minutes of {issued.reference} issued.")


@app.command("minutes")
def minutes(
    reference: str = ReviewArgument,
    fmt: str = typer.Option("pdf", "--format", help="pdf or docx."),
    out: str = typer.Option(..., "--out", help="The file to write."),
    org: str = OrgOption,
    user: str = UserOption,
) -> None:
    """Write the review's minutes as PDF or DOCX."""
    from openaims.management_review.minutes import FORMATS, export_minutes

    actor = resolve_actor(org, user)
    if fmt not in FORMATS:
        fail(f"--format: {fmt!r} is not one of {', '.join(FORMATS)}")
    review = _find_review(actor, reference)
    exported = run_service(export_minutes, actor=actor, management_review=review, fmt=fmt)
    try:
        with open(out, "wb") as handle:
            handle.write(exported.content)
    except OSError as exc:
        fail(f"--out: cannot write {out!r} ({exc.strerror or exc.__class__.__name__})")
    console.print(f"Minutes of {review.reference} written to {out} ({len(exported.content)} bytes).", highlight=False)
