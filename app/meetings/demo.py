"""Demo meetings: past ones with approved minutes and action items, one with circulated minutes,
and upcoming ones (one planned from Shanghai). Dates are relative to the day the demo loads,
so "upcoming" stays upcoming.

`load_demo(project, groups_by_code, users_by_email)` adds everything to the session; the
caller commits.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from app.auth.models import User
from app.core.database import utcnow
from app.extensions import db
from app.groups.models import WorkingGroup
from app.meetings import times
from app.meetings.models import (
    ActionItem,
    ActionStatus,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Decision,
    Meeting,
    Minutes,
    MinutesComment,
    MinutesState,
)

KICK_OFF_MINUTES = """\
## 1. Welcome and round of introductions
Anna Schmidt and Wang Lei opened the meeting and welcomed the members from Bonn, Paris, \
Milan, Beijing and Shanghai.

## 2. Scope of the working group
The group follows the ICPerMed Action Plan challenge area *Shaping sustainable healthcare*:
- empowered and responsible citizens;
- a trained healthcare workforce;
- health-system sustainability (reimbursement, health economics).

## 3. Work plan for the next six months
Claire Martin presented the draft work plan. The group agreed to start with a mapping of \
patient-empowerment programmes in Europe and China, as input to the scoping paper.

## 4. Any other business
Meetings will take place in the European morning (09:00–11:00 Brussels time, \
15:00–17:00 or 16:00–18:00 Beijing time), avoiding Spring Festival and National Day weeks.
"""

SECOND_MINUTES = """\
## 1. Mapping of patient-empowerment programmes
Zhang Wei presented the first results for China (national and provincial programmes). \
Claire Martin presented the European overview. The two templates differ: a common \
template is needed before the next round.

## 2. Health-economics input to the scoping paper
Anna Schmidt summarised the reimbursement models for genomic tests in Germany and France; \
Wang Lei described the pilot programmes in Shanghai.

## 3. Next steps
Draft chapter for the scoping paper before the next meeting.
"""

WG2_MINUTES = """\
## 1. Market access for companion diagnostics
Lars Jensen presented the EU IVDR timeline; Chen Jing the NMPA registration pathway.

## 2. Health data
The group discussed cross-border data sharing under the GDPR and China's Personal \
Information Protection Law, and agreed to collect three case studies.
"""


def _at(day: date, hour: int, minute: int, zone: str) -> datetime:
    """Return the UTC instant of a wall-clock time on `day` in `zone`."""
    return times.to_utc(datetime.combine(day, time(hour, minute)), zone)


def _weekday_near(base: date, days: int, weekday: int = 1) -> date:
    """Return the first given weekday (Monday = 0) on or after `base + days`."""
    day = base + timedelta(days=days)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _meeting(
    group: WorkingGroup,
    organiser: User,
    *,
    title_en: str,
    title_zh: str,
    starts_at: datetime,
    minutes_long: int,
    zone: str,
    invitees: list[User],
    description: str = "",
    location: str | None = None,
    online_url: str | None = None,
    agenda: list[tuple[str, User | None, int]] = (),
) -> Meeting:
    meeting = Meeting(
        group=group,
        organiser=organiser,
        title_en=title_en,
        title_zh=title_zh,
        description=description,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes_long),
        timezone=zone,
        location=location,
        online_url=online_url,
        created_at=starts_at - timedelta(days=14),
        updated_at=starts_at - timedelta(days=14),
    )
    meeting.minutes = Minutes()
    for person in invitees:
        meeting.attendances.append(Attendance(user=person))
    for position, (title, presenter, minutes) in enumerate(agenda, 1):
        meeting.agenda_items.append(
            AgendaItem(
                position=position, title=title, presenter=presenter, duration_minutes=minutes
            )
        )
    db.session.add(meeting)
    return meeting


def _attendance(meeting: Meeting, statuses: dict[User, AttendanceStatus]) -> None:
    for attendance in meeting.attendances:
        attendance.status = statuses.get(attendance.user, AttendanceStatus.PRESENT)


def load_demo(
    project: Any, groups_by_code: dict[str, WorkingGroup], users_by_email: dict[str, User]
) -> None:
    """Add the demo meetings of WG1, WG2 and WG3 to the session (the caller commits)."""

    def person(name: str) -> User:
        return users_by_email[f"{name}@ic2permed.example"]

    anna, wang = person("anna.schmidt"), person("wang.lei")
    claire, zhang, sofia = person("claire.martin"), person("zhang.wei"), person("sofia.rossi")
    lars, chen = person("lars.jensen"), person("chen.jing")
    pieter, li_na = person("pieter.devries"), person("li.na")
    elena, zhao = person("elena.garcia"), person("zhao.min")
    tomas, huang = person("tomas.novak"), person("huang.yan")
    wg1, wg2, wg3 = groups_by_code["WG1"], groups_by_code["WG2"], groups_by_code["WG3"]
    today = utcnow().date()
    wg1_people = [anna, wang, claire, zhang, sofia]
    video = "https://meet.example.org/ic2permed-wg1"

    # WG1: kick-off, approved minutes, decisions and action items (one done, one overdue).
    kick_off = _meeting(
        wg1,
        anna,
        title_en="WG1 kick-off meeting",
        title_zh="第一工作组启动会议",
        starts_at=_at(_weekday_near(today, -63), 9, 30, "Europe/Berlin"),
        minutes_long=120,
        zone="Europe/Berlin",
        invitees=wg1_people,
        description="Launch of the working group *Shaping sustainable healthcare*.",
        online_url=video,
        agenda=[
            ("Welcome and round of introductions", anna, 20),
            ("Scope of the working group", wang, 30),
            ("Work plan for the next six months", claire, 45),
            ("Any other business", None, 15),
        ],
    )
    _attendance(kick_off, {sofia: AttendanceStatus.APOLOGIES})
    kick_off.minutes.text = KICK_OFF_MINUTES
    kick_off.minutes.version = 3
    kick_off.minutes.minute_taker = claire
    kick_off.minutes.updated_by = claire
    kick_off.minutes.updated_at = kick_off.ends_at + timedelta(days=2)
    kick_off.minutes.state = MinutesState.APPROVED
    kick_off.minutes.circulated_at = kick_off.ends_at + timedelta(days=3)
    kick_off.minutes.approved_at = kick_off.ends_at + timedelta(days=10)
    kick_off.minutes.approved_by = anna
    kick_off.decisions += [
        Decision(
            text="Start with a mapping of patient-empowerment programmes in Europe and China."
        ),
        Decision(text="Meet monthly, in the European morning, outside Chinese public holidays."),
    ]
    kick_off.action_items += [
        ActionItem(
            text="Share the draft work plan with the group",
            owner=claire,
            due_on=kick_off.starts_at.date() + timedelta(days=7),
            status=ActionStatus.DONE,
            completed_at=kick_off.ends_at + timedelta(days=5),
        ),
        ActionItem(
            text="Collect national and provincial patient-empowerment programmes in China",
            owner=zhang,
            due_on=today - timedelta(days=5),
        ),
        ActionItem(
            text="Propose a common template for the mapping",
            owner=anna,
            due_on=today + timedelta(days=12),
        ),
    ]

    # WG1: last month's meeting, minutes circulated for comment.
    second = _meeting(
        wg1,
        wang,
        title_en="WG1 monthly meeting: mapping results",
        title_zh="第一工作组月度会议：梳理结果",
        starts_at=_at(_weekday_near(today, -28), 16, 0, "Asia/Shanghai"),
        minutes_long=90,
        zone="Asia/Shanghai",
        invitees=wg1_people,
        online_url=video,
        agenda=[
            ("Mapping of patient-empowerment programmes", zhang, 40),
            ("Health-economics input to the scoping paper", anna, 30),
            ("Next steps", wang, 20),
        ],
    )
    _attendance(second, {claire: AttendanceStatus.ABSENT})
    second.minutes.text = SECOND_MINUTES
    second.minutes.version = 2
    second.minutes.minute_taker = zhang
    second.minutes.updated_by = zhang
    second.minutes.updated_at = second.ends_at + timedelta(days=1)
    second.minutes.state = MinutesState.CIRCULATED
    second.minutes.circulated_at = second.ends_at + timedelta(days=2)
    second.minutes.comments.append(
        MinutesComment(
            author=sofia,
            text="Please add that patient organisations in Italy are ready to share their "
            "survey on health literacy.",
            created_at=second.ends_at + timedelta(days=3),
        )
    )
    second.decisions.append(Decision(text="Use one common template for both mappings."))
    second.action_items.append(
        ActionItem(
            text="Draft the chapter for the scoping paper",
            owner=wang,
            due_on=today + timedelta(days=20),
        )
    )

    # WG1: the next meeting, planned from Shanghai (16:00 there: 09:00 or 10:00 in Brussels).
    _meeting(
        wg1,
        wang,
        title_en="WG1 monthly meeting: scoping paper chapter",
        title_zh="第一工作组月度会议：范围界定文件章节",
        starts_at=_at(_weekday_near(today, 9), 16, 0, "Asia/Shanghai"),
        minutes_long=90,
        zone="Asia/Shanghai",
        invitees=wg1_people,
        description="Discussion of the draft chapter; please read it before the meeting.",
        online_url=video,
        agenda=[
            ("Draft chapter of the scoping paper", wang, 45),
            ("Common template for the mapping", anna, 30),
            ("Dates of the next meetings", None, 15),
        ],
    )

    # WG2: a past meeting with approved minutes and action items.
    wg2_meeting = _meeting(
        wg2,
        lars,
        title_en="WG2 meeting: market access and health data",
        title_zh="第二工作组会议：市场准入与健康数据",
        starts_at=_at(_weekday_near(today, -35, 2), 9, 0, "Europe/Copenhagen"),
        minutes_long=90,
        zone="Europe/Copenhagen",
        invitees=[lars, chen, pieter, zhang, li_na],
        location="Copenhagen and online",
        online_url="https://meet.example.org/ic2permed-wg2",
    )
    _attendance(wg2_meeting, {li_na: AttendanceStatus.APOLOGIES})
    wg2_meeting.minutes.text = WG2_MINUTES
    wg2_meeting.minutes.version = 2
    wg2_meeting.minutes.updated_by = lars
    wg2_meeting.minutes.updated_at = wg2_meeting.ends_at + timedelta(days=1)
    wg2_meeting.minutes.state = MinutesState.APPROVED
    wg2_meeting.minutes.circulated_at = wg2_meeting.ends_at + timedelta(days=2)
    wg2_meeting.minutes.approved_at = wg2_meeting.ends_at + timedelta(days=9)
    wg2_meeting.minutes.approved_by = chen
    wg2_meeting.decisions.append(
        Decision(text="Collect three case studies of cross-border health-data sharing.")
    )
    wg2_meeting.action_items += [
        ActionItem(
            text="Summarise the NMPA registration pathway for companion diagnostics",
            owner=chen,
            due_on=today + timedelta(days=7),
        ),
        ActionItem(
            text="Compare HTA practice for genomic tests in three EU countries",
            owner=pieter,
            due_on=today - timedelta(days=2),
        ),
    ]

    # WG3: an upcoming meeting planned from Madrid.
    _meeting(
        wg3,
        elena,
        title_en="WG3 meeting: joint calls and biobanks",
        title_zh="第三工作组会议：联合征集与生物样本库",
        starts_at=_at(_weekday_near(today, 16, 3), 9, 30, "Europe/Madrid"),
        minutes_long=120,
        zone="Europe/Madrid",
        invitees=[elena, zhao, wang, tomas, huang],
        online_url="https://meet.example.org/ic2permed-wg3",
        agenda=[
            ("Joint funding calls: lessons learnt", tomas, 40),
            ("Biobank standards in Europe and China", elena, 40),
            ("Omics data: next steps", huang, 30),
        ],
    )
