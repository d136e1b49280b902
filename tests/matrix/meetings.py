"""Access-matrix rows of the meeting pages (tests/access.py explains the matrix).

State-changing rows get objects of their own, or are idempotent for every principal:
removing an item that is already gone answers the same redirect; a POST without its
required fields re-renders the form (200) or is refused with a message (302) and changes
nothing.
"""

from __future__ import annotations

from typing import Any

from app.auth.models import SiteRole
from app.meetings import feeds
from app.meetings.models import MinutesState
from tests.access import Row, everyone, group_private, signed_in, statuses
from tests.meetings.helpers import add_action, add_decision, create_meeting


def _m(name: str):
    """Return the URL maker of a page of the meeting `world.extra[name]`."""

    def url(suffix: str):
        return lambda w: f"/groups/{w.group.slug}/meetings/{w.extra[name].id}/{suffix}"

    return url


main = _m("meeting")
circulated = _m("circulated")
approved = _m("approved")


#: Who runs the group's meetings: lead, coordinator, admin; member and observer are refused.
def run_only(status: int) -> dict[str, int]:
    return statuses(302, 302, 403, 404, 403, status, status, status)


#: Members and leads (and staff), not observers.
def contributors(status: int) -> dict[str, int]:
    return statuses(302, 302, status, 404, 403, status, status, status)


ROWS: dict[tuple[str, str], Row] = {
    ("meetings.index", "GET"): Row(
        group_private(200), lambda w: f"/groups/{w.group.slug}/meetings/"
    ),
    ("meetings.schedule", "GET"): Row(
        run_only(200), lambda w: f"/groups/{w.group.slug}/meetings/new"
    ),
    ("meetings.schedule", "POST"): Row(
        run_only(200), lambda w: f"/groups/{w.group.slug}/meetings/new", lambda w: {"title_en": ""}
    ),
    ("meetings.detail", "GET"): Row(group_private(200), main("")),
    ("meetings.meeting_ics", "GET"): Row(group_private(200), main("meeting.ics")),
    ("meetings.edit", "GET"): Row(run_only(200), main("edit")),
    ("meetings.edit", "POST"): Row(run_only(200), main("edit"), lambda w: {"title_en": ""}),
    ("meetings.duplicate", "GET"): Row(run_only(200), main("duplicate")),
    ("meetings.duplicate", "POST"): Row(
        run_only(200), main("duplicate"), lambda w: {"title_en": ""}
    ),
    ("meetings.cancel", "GET"): Row(run_only(200), main("cancel")),
    ("meetings.cancel", "POST"): Row(run_only(200), main("cancel"), lambda w: {"reason": ""}),
    ("meetings.agenda", "GET"): Row(run_only(200), main("agenda")),
    ("meetings.agenda", "POST"): Row(run_only(200), main("agenda"), lambda w: {"title": ""}),
    ("meetings.edit_agenda_item", "GET"): Row(
        run_only(200), lambda w: main(f"agenda/{w.extra['agenda_item'].id}/edit")(w)
    ),
    ("meetings.edit_agenda_item", "POST"): Row(
        run_only(200),
        lambda w: main(f"agenda/{w.extra['agenda_item'].id}/edit")(w),
        lambda w: {"title": ""},
    ),
    ("meetings.move_agenda_item", "POST"): Row(
        run_only(302),
        lambda w: main(f"agenda/{w.extra['agenda_item'].id}/move")(w),
        lambda w: {"direction": "up"},
    ),
    ("meetings.remove_agenda_item", "POST"): Row(
        run_only(302), lambda w: main(f"agenda/{w.extra['spare_agenda_item'].id}/remove")(w)
    ),
    ("meetings.attendance", "GET"): Row(run_only(200), main("attendance")),
    ("meetings.attendance", "POST"): Row(run_only(302), main("attendance")),
    ("meetings.edit_minutes", "GET"): Row(run_only(200), main("minutes/edit")),
    ("meetings.edit_minutes", "POST"): Row(run_only(200), main("minutes/edit")),
    ("meetings.discard_kept_text", "POST"): Row(
        group_private(302), main("minutes/discard-kept-text")
    ),
    # Without the version read, circulating and approving are refused with a message.
    ("meetings.circulate", "POST"): Row(run_only(302), main("minutes/circulate")),
    ("meetings.approve", "POST"): Row(run_only(302), circulated("minutes/approve")),
    # The first lead reopens; the others are told the minutes are not approved any more.
    ("meetings.reopen", "POST"): Row(run_only(302), approved("minutes/reopen")),
    ("meetings.comment", "POST"): Row(contributors(200), circulated("minutes/comments")),
    ("meetings.print_minutes", "GET"): Row(group_private(200), circulated("minutes/print")),
    ("meetings.add_decision", "POST"): Row(run_only(200), main("decisions")),
    ("meetings.remove_decision", "POST"): Row(
        run_only(302), lambda w: main(f"decisions/{w.extra['decision'].id}/remove")(w)
    ),
    ("meetings.add_action_item", "POST"): Row(run_only(200), main("actions")),
    ("meetings.remove_action_item", "POST"): Row(
        run_only(302), lambda w: main(f"actions/{w.extra['spare_action'].id}/remove")(w)
    ),
    # The member owns the item: they may mark it done, as may whoever runs the meetings.
    ("meetings.action_status", "POST"): Row(
        contributors(302),
        lambda w: main(f"actions/{w.extra['action'].id}/status")(w),
        lambda w: {"status": "done"},
    ),
    ("meetings.mine", "GET"): Row(signed_in(200), lambda w: "/meetings/"),
    ("meetings.my_actions", "GET"): Row(signed_in(200), lambda w: "/meetings/actions"),
    ("meetings.calendar", "GET"): Row(signed_in(200), lambda w: "/meetings/calendar"),
    ("meetings.calendar", "POST"): Row(signed_in(302), lambda w: "/meetings/calendar"),
    ("meetings.revoke_calendar", "POST"): Row(
        signed_in(302), lambda w: "/meetings/calendar/revoke"
    ),
    # A public address: the secret token is the only key (a person outside the walk).
    ("meetings.feed", "GET"): Row(
        everyone(200), lambda w: f"/meetings/calendar/{w.extra['feed_token']}.ics"
    ),
}


def build(world: Any, factories: Any) -> None:
    """Create the meetings the rows point at: draft, circulated and approved minutes."""
    lead = world.users["lead"]
    member = world.users["member"]
    invitees = [world.users[p] for p in ("member", "observer", "lead")]
    meeting = create_meeting(
        world.group, organiser=lead, invitees=invitees, agenda=["Welcome", "Work plan", "Spare"]
    )
    world.extra["meeting"] = meeting
    world.extra["agenda_item"] = meeting.agenda_items[0]
    world.extra["spare_agenda_item"] = meeting.agenda_items[2]
    world.extra["action"] = add_action(meeting, member)
    world.extra["spare_action"] = add_action(meeting, member, "A spare action")
    world.extra["decision"] = add_decision(meeting)
    world.extra["circulated"] = create_meeting(
        world.group,
        organiser=lead,
        invitees=invitees,
        state=MinutesState.CIRCULATED,
        text="# Minutes\n\nCirculated.",
    )
    world.extra["approved"] = create_meeting(
        world.group,
        organiser=lead,
        invitees=invitees,
        state=MinutesState.APPROVED,
        text="Approved minutes.",
    )
    subscriber = factories.make_user(site_role=SiteRole.MEMBER)
    factories.add_member(subscriber, world.group)
    world.extra["feed_token"] = feeds.issue_feed_token(subscriber)
