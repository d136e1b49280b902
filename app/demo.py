"""`flask demo load`: a small, realistic demo consortium for trying the portal.

The people are fictional; the project facts are IC2PerMed's (H2020 grant 874694, M1 =
January 2020, 48 months). Every account shares the demo password printed by the command.
"""

from __future__ import annotations

import hashlib
import secrets
import sys
from datetime import date, timedelta

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.auth.models import SiteRole, User
from app.auth.services import create_user
from app.core.database import utcnow
from app.core.project import Project
from app.deliverables.demo import load_demo as load_deliverables
from app.documents.demo import load_demo as load_documents
from app.extensions import db
from app.groups.models import GroupRole, Membership, WorkingGroup
from app.invitations.models import Invitation, InvitationGroup
from app.meetings.demo import load_demo as load_meetings
from app.organisations.models import Organisation, OrganisationKind

demo_cli = AppGroup("demo", help="Demo content for trying the portal.")

GROUPS = [
    {
        "code": "WG1",
        "slug": "wg1-sustainable-healthcare",
        "name_en": "Shaping sustainable healthcare",
        "name_zh": "塑造可持续的医疗卫生体系",
        "priority_en": "Empowered citizens, a trained workforce, sustainable health systems",
        "priority_zh": "赋能公民、培训医疗卫生人员、卫生体系的可持续性",
        "description_en": (
            "How personalised medicine reaches patients fairly in Europe and China: citizen "
            "and patient empowerment, training of health professionals, and the economics "
            "that keep health systems sustainable."
        ),
        "description_zh": (
            "个性化医学如何在欧洲和中国公平地惠及患者：公民与患者赋能、医疗卫生专业人员培训，"
            "以及保障卫生体系可持续发展的经济学问题。"
        ),
    },
    {
        "code": "WG2",
        "slug": "wg2-innovation-market",
        "name_en": "Innovation and market",
        "name_zh": "创新与市场",
        "priority_en": "Bringing innovation to the market; big data and ICT solutions",
        "priority_zh": "推动创新进入市场；大数据与信息通信技术解决方案",
        "description_en": (
            "Regulation, reimbursement and market access for personalised-medicine products, "
            "and the adoption of big data and ICT solutions in both regions."
        ),
        "description_zh": (
            "个性化医学产品的监管、医保报销与市场准入，"
            "以及两地对大数据和信息通信技术解决方案的应用。"
        ),
    },
    {
        "code": "WG3",
        "slug": "wg3-research-clinical",
        "name_en": "Research and clinical studies",
        "name_zh": "研究与临床试验",
        "priority_en": "Research funding; translating basic to clinical research",
        "priority_zh": "促进科研资助；推动基础研究向临床研究转化",
        "description_en": (
            "Joint research funding, omics and data standards, biobanks, and EU–China "
            "collaboration in clinical studies."
        ),
        "description_zh": "联合科研资助、组学与数据标准、生物样本库，以及中欧临床研究合作。",
    },
]

# Organisations: key → (English name, Chinese name, country, kind).
# fmt: off
ORGANISATIONS = {
    "ucsc": ("Università Cattolica del Sacro Cuore", "圣心天主教大学", "IT", OrganisationKind.UNIVERSITY),
    "cams": ("Chinese Academy of Medical Sciences", "中国医学科学院", "CN", OrganisationKind.UNIVERSITY),
    "bonn-hospital": ("University Hospital Bonn (demo)", "波恩大学医院（演示）", "DE", OrganisationKind.HOSPITAL),
    "shanghai-hospital": ("A university hospital in Shanghai", "上海某大学附属医院", "CN", OrganisationKind.HOSPITAL),
    "paris-ministry": ("A research ministry in Paris", "巴黎某科研主管部门", "FR", OrganisationKind.MINISTRY),
    "beijing-university": ("A medical university in Beijing", "北京某医科大学", "CN", OrganisationKind.UNIVERSITY),
    "milan-patients": ("A patient organisation in Milan", "米兰某患者组织", "IT", OrganisationKind.PATIENT_ORGANISATION),
    "copenhagen-diagnostics": ("A diagnostics company in Copenhagen", "哥本哈根某诊断公司", "DK", OrganisationKind.COMPANY),
    "shenzhen-data": ("A health-data company in Shenzhen", "深圳某健康数据公司", "CN", OrganisationKind.COMPANY),
    "hague-hta": ("A health-technology agency in The Hague", "海牙某卫生技术评估机构", "NL", OrganisationKind.OTHER),
    "hangzhou-commission": ("A provincial health commission in Hangzhou", "杭州某省级卫生健康委员会", "CN", OrganisationKind.MINISTRY),
    "madrid-institute": ("A biomedical research institute in Madrid", "马德里某生物医学研究所", "ES", OrganisationKind.UNIVERSITY),
    "beijing-cancer": ("A cancer hospital in Beijing", "北京某肿瘤医院", "CN", OrganisationKind.HOSPITAL),
    "prague-funder": ("A research funder in Prague", "布拉格某科研资助机构", "CZ", OrganisationKind.FUNDER),
    "shenzhen-genomics": ("A genomics institute in Shenzhen", "深圳某基因组研究所", "CN", OrganisationKind.UNIVERSITY),
}

# (e-mail, name, Chinese name, organisation key, country, position, expertise, zone, site role,
#  locale, {group code: group role})
PEOPLE = [
    ("admin@ic2permed.example", "Giulia Ferraro", None, "ucsc", "IT", "Portal administrator",
     "Research management", "Europe/Rome", SiteRole.ADMIN, "en", {}),
    ("coordinator@ic2permed.example", "Marco Bellini", None, "ucsc", "IT", "Project coordinator",
     "Public health, EU research projects", "Europe/Rome", SiteRole.COORDINATOR, "en", {}),
    ("liu.fang@ic2permed.example", "Liu Fang", "刘芳", "cams", "CN", "Coordinator for China",
     "Health policy, research funding", "Asia/Shanghai", SiteRole.COORDINATOR, "zh",
     {"WG3": GroupRole.OBSERVER}),
    ("anna.schmidt@ic2permed.example", "Anna Schmidt", None, "bonn-hospital", "DE",
     "Health economist", "Health economics, reimbursement", "Europe/Berlin", SiteRole.MEMBER,
     "en", {"WG1": GroupRole.LEAD}),
    ("wang.lei@ic2permed.example", "Wang Lei", "王磊", "shanghai-hospital", "CN",
     "Professor of clinical genomics", "Clinical genomics, rare diseases", "Asia/Shanghai",
     SiteRole.MEMBER, "zh", {"WG1": GroupRole.LEAD, "WG3": GroupRole.MEMBER}),
    ("claire.martin@ic2permed.example", "Claire Martin", None, "paris-ministry", "FR",
     "Programme officer", "Research programming", "Europe/Paris", SiteRole.MEMBER, "en",
     {"WG1": GroupRole.MEMBER}),
    ("zhang.wei@ic2permed.example", "Zhang Wei", "张伟", "beijing-university", "CN",
     "Associate professor of health policy", "Health policy, health-system reform",
     "Asia/Shanghai", SiteRole.MEMBER, "zh", {"WG1": GroupRole.MEMBER, "WG2": GroupRole.MEMBER}),
    ("sofia.rossi@ic2permed.example", "Sofia Rossi", None, "milan-patients", "IT",
     "Patient advocate", "Patient empowerment, health literacy", "Europe/Rome", SiteRole.MEMBER,
     "en", {"WG1": GroupRole.OBSERVER}),
    ("lars.jensen@ic2permed.example", "Lars Jensen", None, "copenhagen-diagnostics", "DK",
     "Head of market access", "Companion diagnostics, market access", "Europe/Copenhagen",
     SiteRole.MEMBER, "en", {"WG2": GroupRole.LEAD}),
    ("chen.jing@ic2permed.example", "Chen Jing", "陈静", "shenzhen-data", "CN",
     "Chief data officer", "Health data, artificial intelligence", "Asia/Shanghai",
     SiteRole.MEMBER, "zh", {"WG2": GroupRole.LEAD}),
    ("pieter.devries@ic2permed.example", "Pieter de Vries", None, "hague-hta", "NL",
     "Senior policy adviser", "Health technology assessment", "Europe/Amsterdam",
     SiteRole.MEMBER, "en", {"WG2": GroupRole.MEMBER}),
    ("li.na@ic2permed.example", "Li Na", "李娜", "hangzhou-commission", "CN", "Division director",
     "Hospital management, regional health planning", "Asia/Shanghai", SiteRole.MEMBER, "zh",
     {"WG2": GroupRole.OBSERVER}),
    ("elena.garcia@ic2permed.example", "Elena García", None, "madrid-institute", "ES",
     "Biobank manager", "Biobanking, data standards", "Europe/Madrid", SiteRole.MEMBER, "en",
     {"WG3": GroupRole.LEAD}),
    ("zhao.min@ic2permed.example", "Zhao Min", "赵敏", "beijing-cancer", "CN",
     "Principal investigator", "Oncology, clinical trials", "Asia/Shanghai", SiteRole.MEMBER,
     "zh", {"WG3": GroupRole.LEAD}),
    ("tomas.novak@ic2permed.example", "Tomáš Novák", None, "prague-funder", "CZ",
     "Programme manager", "Research funding, joint calls", "Europe/Prague", SiteRole.MEMBER,
     "en", {"WG3": GroupRole.MEMBER}),
    ("huang.yan@ic2permed.example", "Huang Yan", "黄燕", "shenzhen-genomics", "CN",
     "Bioinformatician", "Omics, bioinformatics", "Asia/Shanghai", SiteRole.MEMBER, "zh",
     {"WG3": GroupRole.MEMBER}),
]
# fmt: on


def demo_is_loaded() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) > 0


def load_demo(password: str) -> None:
    """Fill an empty database with the demo consortium, in one transaction."""
    project = Project(
        name="IC2PerMed",
        title_en="Integrating China in the International Consortium for Personalised Medicine",
        title_zh="将中国纳入个性化医学国际联盟",
        grant_number="874694",
        start_on=date(2020, 1, 1),
        duration_months=48,
    )
    db.session.add(project)
    groups = {spec["code"]: WorkingGroup(**spec) for spec in GROUPS}
    db.session.add_all(groups.values())
    organisations = {
        key: Organisation(name_en=en, name_zh=zh, country=country, kind=kind)
        for key, (en, zh, country, kind) in ORGANISATIONS.items()
    }
    db.session.add_all(organisations.values())
    users_by_email = {}
    for row in PEOPLE:
        email, name, name_zh, org, country, position, expertise, zone, role, locale, roles = row
        user = create_user(
            email,
            password,
            name=name,
            site_role=role,
            name_zh=name_zh,
            organisation=organisations[org],
            country=country,
            position=position,
            expertise=expertise,
            timezone=zone,
            locale=locale,
        )
        users_by_email[email] = user
        for code, group_role in roles.items():
            db.session.add(Membership(user=user, group=groups[code], role=group_role))
    db.session.flush()
    _add_pending_invitations(groups, organisations, users_by_email)
    load_documents(project, groups, users_by_email)
    load_meetings(project, groups, users_by_email)
    load_deliverables(project, groups, users_by_email)
    db.session.commit()


def _add_pending_invitations(groups, organisations, users_by_email) -> None:
    """Two invitations still waiting (their links were never sent: an admin can resend them)."""
    now = utcnow()
    for email, name, name_zh, org, locale, code, role, inviter in (
        (
            "sun.hao@ic2permed.example",
            "Sun Hao",
            "孙浩",
            "beijing-cancer",
            "zh",
            "WG3",
            GroupRole.MEMBER,
            "zhao.min@ic2permed.example",
        ),
        (
            "ingrid.larsen@ic2permed.example",
            "Ingrid Larsen",
            None,
            "copenhagen-diagnostics",
            "en",
            "WG2",
            GroupRole.OBSERVER,
            "lars.jensen@ic2permed.example",
        ),
    ):
        invitation = Invitation(
            email=email,
            token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
            locale=locale,
            name=name,
            name_zh=name_zh,
            organisation=organisations[org],
            invited_by=users_by_email[inviter],
            sent_at=now - timedelta(days=2),
            expires_at=now + timedelta(days=5),
        )
        invitation.groups.append(InvitationGroup(group=groups[code], role=role))
        db.session.add(invitation)


def print_sign_ins(password: str) -> None:
    """Print every active account with its site role and its roles in the groups."""
    click.echo(_("Demo sign-ins (password for all: %(password)s)", password=password))
    users = db.session.scalars(
        sa.select(User)
        .where(User.is_active_account.is_(True))
        .options(selectinload(User.memberships).selectinload(Membership.group))
        .order_by(User.id)
    ).all()
    for user in users:
        roles = ", ".join(
            f"{m.group.code} {m.role.label}"
            for m in sorted(user.memberships, key=lambda m: m.group.code)
        )
        click.echo(f"  {user.email:36} {user.site_role.label:14} {roles}")


@demo_cli.command("load")
def load_command() -> None:
    """Load the demo consortium into an empty database and print the demo sign-ins."""
    if current_app.config.get("PORTAL_PRODUCTION"):
        raise click.ClickException(_("The demo data cannot be loaded in production."))
    password = current_app.config["DEMO_PASSWORD"]
    if demo_is_loaded():
        click.echo(_("The database already has accounts: the demo data was not loaded again."))
    else:
        load_demo(password)
        click.echo(_("The demo consortium has been loaded."))
    print_sign_ins(password)
    sys.stdout.flush()
