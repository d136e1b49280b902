"""Demo deliverables and milestones for the demo consortium (`flask demo load`).

IC2PerMed's own outputs (the scoping paper of November 2021, the roadmap of November 2023 …)
are there, done and approved. So that the dashboard has something to show whatever the day
the demo is loaded, a few items are dated from that day: one late, one due soon, one returned
by the coordinator, one submitted and awaiting approval, one milestone due soon. Those may
fall after the project's 48 months; the pages say so.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from app.core.project import Project
from app.deliverables import months
from app.deliverables.models import (
    Deliverable,
    DeliverableEvent,
    DeliverableStatus,
    DeliverableType,
    Dissemination,
    Milestone,
)
from app.deliverables.services import local_today
from app.extensions import db

COORDINATOR = "coordinator@ic2permed.example"

S = DeliverableStatus

# (code, group, WP, type, dissemination, responsible e-mail, title en, title zh, description,
#  due: a project month, or days from today; status)
# fmt: off
DELIVERABLES: list[tuple[Any, ...]] = [
    ("D5.1", "WG1", "WP5", DeliverableType.DATA, Dissemination.SEN,
     "anna.schmidt@ic2permed.example", "Data management plan", "数据管理计划",
     "How the project collects, stores and shares the data of its surveys and working groups.",
     ("month", 6), S.APPROVED),
    ("D1.1", "WG1", "WP1", DeliverableType.R, Dissemination.PU, "wang.lei@ic2permed.example",
     "Map of personalised-medicine policies and programmes in Europe and China",
     "欧洲和中国个性化医学政策与项目概览",
     "A survey of national strategies, funding programmes and regulations, country by country.",
     ("month", 12), S.APPROVED),
    ("D2.2", "WG1", "WP2", DeliverableType.R, Dissemination.PU, "anna.schmidt@ic2permed.example",
     "Scoping paper: health research and innovation priorities in Europe and China",
     "范围界定报告：欧洲和中国的卫生研究与创新优先事项",
     "The working groups' review of priorities, published in November 2021.",
     ("month", 23), S.APPROVED),
    ("D2.1", "WG2", "WP2", DeliverableType.R, Dissemination.PU, "lars.jensen@ic2permed.example",
     "Knowledge synthesis on international standards for personalised medicine",
     "个性化医学国际标准知识综述",
     "Standards for omics data, biobanking and companion diagnostics, and how far Europe and "
     "China follow them.",
     ("month", 20), S.APPROVED),
    ("D3.1", "WG3", "WP3", DeliverableType.R, Dissemination.PU, "elena.garcia@ic2permed.example",
     "Survey of EU–China research collaboration and biobanks",
     "中欧科研合作与生物样本库调查",
     "Existing collaborations, biobank networks and the obstacles to sharing samples and data.",
     ("month", 24), S.APPROVED),
    ("D3.3", "WG3", "WP3", DeliverableType.R, Dissemination.PU, "zhao.min@ic2permed.example",
     "IC2PerMed roadmap for EU–China cooperation in personalised medicine",
     "IC2PerMed 中欧个性化医学合作路线图",
     "Three pillars: shaping sustainable healthcare, innovation and market, research and "
     "clinical studies.",
     ("month", 47), S.APPROVED),
    ("D2.3", "WG2", "WP2", DeliverableType.R, Dissemination.PU, "chen.jing@ic2permed.example",
     "Big data and ICT solutions in personalised medicine: regulatory landscape",
     "个性化医学中的大数据与信息通信技术解决方案：监管环境",
     "Data protection, cross-border data transfer and the certification of AI tools in both "
     "regions.",
     ("days", -19), S.IN_PROGRESS),
    ("D4.2", "WG2", "WP4", DeliverableType.R, Dissemination.PU, "lars.jensen@ic2permed.example",
     "Workshop report: market access of companion diagnostics",
     "研讨会报告：伴随诊断的市场准入",
     "What regulators, payers and companies from both regions said at the joint workshop.",
     ("days", 12), S.IN_REVIEW),
    ("D4.4", "WG1", "WP4", DeliverableType.R, Dissemination.PU, "zhang.wei@ic2permed.example",
     "Policy brief: empowering citizens and patients in personalised medicine",
     "政策简报：在个性化医学中赋能公民与患者",
     "Recommendations on health literacy, consent and patient involvement for decision makers.",
     ("days", 45), S.RETURNED),
    ("D3.2", "WG3", "WP3", DeliverableType.R, Dissemination.SEN, "elena.garcia@ic2permed.example",
     "Recommendations for joint EU–China funding calls",
     "中欧联合资助项目征集建议",
     "Topics, eligibility and evaluation rules that funders of both regions could share.",
     ("days", 5), S.SUBMITTED),
    ("D4.5", "WG3", "WP4", DeliverableType.DEC, Dissemination.PU, "zhao.min@ic2permed.example",
     "Video series: personalised medicine in the clinic, from Beijing to Milan",
     "系列视频：从北京到米兰，临床中的个性化医学",
     "Five short interviews with clinicians, subtitled in English and Chinese.",
     ("days", 120), S.PLANNED),
]

# (code, group, title en, title zh, means of verification, due, achieved: days after due or None)
MILESTONES: list[tuple[Any, ...]] = [
    ("MS1", "WG1", "Working groups launched", "工作组正式启动",
     "Call for experts closed; the three working groups held their first meetings.",
     ("month", 15), -6),
    ("MS2", "WG1", "Scoping paper published", "范围界定报告发布",
     "The scoping paper (D2.2) is online on the project website.", ("month", 23), 0),
    ("MS3", "WG3", "Roadmap adopted by the consortium", "路线图获联盟通过",
     "Minutes of the general assembly adopting the roadmap (D3.3).", ("month", 47), -3),
    ("MS4", "WG2", "Joint workshop on market access held", "市场准入联合研讨会召开",
     "Agenda, list of participants and slides of the workshop.", ("days", 21), None),
]
# fmt: on

#: What each status was reached through, in order, from "planned".
PATH = {
    S.PLANNED: [],
    S.IN_PROGRESS: [S.IN_PROGRESS],
    S.IN_REVIEW: [S.IN_PROGRESS, S.IN_REVIEW],
    S.SUBMITTED: [S.IN_PROGRESS, S.IN_REVIEW, S.SUBMITTED],
    S.APPROVED: [S.IN_PROGRESS, S.IN_REVIEW, S.SUBMITTED, S.APPROVED],
    S.RETURNED: [S.IN_PROGRESS, S.IN_REVIEW, S.SUBMITTED, S.RETURNED],
}

RETURN_COMMENT = (
    "Thank you. Please add the Chinese perspective on informed consent (section 3) and a "
    "one-page executive summary before resubmitting."
)


def _due(project: Project, today: date, spec: tuple[str, int]) -> tuple[int, date]:
    kind, value = spec
    if kind == "month":
        return value, months.due_date(project.start_on, value)
    day = today + timedelta(days=value)
    return months.month_of(project.start_on, day), day


def _at(day: date, hour: int = 9) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def load_demo(project: Project, groups_by_code: dict[str, Any], users_by_email: dict[str, Any]):
    """Add the demo deliverables (with their histories) and milestones; the caller commits."""
    today = local_today()
    start = project.start_on
    coordinator = users_by_email.get(COORDINATOR)
    for row in DELIVERABLES:
        code, group, package, kind, level, email, title_en, title_zh, text, due, status = row
        due_month, due_on = _due(project, today, due)
        if status == S.APPROVED and due_on >= today:  # a project that has not got this far
            status = S.PLANNED
        responsible = users_by_email.get(email)
        deliverable = Deliverable(
            code=code,
            group=groups_by_code[group],
            work_package=package,
            type=kind,
            dissemination=level,
            responsible=responsible,
            lead_organisation=responsible.organisation if responsible else None,
            title_en=title_en,
            title_zh=title_zh,
            description=text,
            due_month=due_month,
            due_on=due_on,
            status=status,
            created_at=_at(start),
        )
        db.session.add(deliverable)
        _add_history(deliverable, status, responsible, coordinator, start, due_on, today)
    for code, group, title_en, title_zh, verification, due, achieved in MILESTONES:
        due_month, due_on = _due(project, today, due)
        achieved_on = None
        if achieved is not None and due_on + timedelta(days=achieved) <= today:
            achieved_on = due_on + timedelta(days=achieved)
        db.session.add(
            Milestone(
                code=code,
                group=groups_by_code[group],
                title_en=title_en,
                title_zh=title_zh,
                verification=verification,
                due_month=due_month,
                due_on=due_on,
                achieved_on=achieved_on,
                created_at=_at(start),
            )
        )


def _add_history(deliverable, status, responsible, coordinator, start, due_on, today) -> None:
    """Give a demo deliverable a believable history leading to its status."""
    deliverable.events.append(
        DeliverableEvent(
            actor=coordinator, from_status=None, to_status=S.PLANNED, occurred_at=_at(start)
        )
    )
    steps = PATH[status]
    if not steps:
        return
    # Work starts a few months before the due date, never before the project or after today.
    latest = min(due_on, today - timedelta(days=1))
    moments = {
        S.IN_PROGRESS: max(start, latest - timedelta(days=90)),
        S.IN_REVIEW: max(start, latest - timedelta(days=20)),
        S.SUBMITTED: max(start, latest - timedelta(days=3)),
        S.APPROVED: min(today - timedelta(days=1), due_on + timedelta(days=18)),
        S.RETURNED: max(start, latest - timedelta(days=1)),
    }
    previous = S.PLANNED
    for step in steps:
        reviewer_step = step in (S.APPROVED, S.RETURNED)
        moment = _at(moments[step], 15 if reviewer_step else 9)
        deliverable.events.append(
            DeliverableEvent(
                actor=coordinator if reviewer_step else responsible,
                from_status=previous,
                to_status=step,
                occurred_at=moment,
                comment=RETURN_COMMENT if step == S.RETURNED else None,
            )
        )
        if step == S.SUBMITTED:
            deliverable.submitted_at = moment
        if step == S.APPROVED:
            deliverable.approved_at = moment
        previous = step
