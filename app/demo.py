"""`flask demo load`: a small, realistic demo consortium for trying the portal.

The people are fictional; the project facts are IC2PerMed's (H2020 grant 874694, M1 =
January 2020, 48 months). Every account shares the demo password printed by the command.
"""

from __future__ import annotations

import sys
from datetime import date

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.auth.models import SiteRole, User
from app.auth.services import create_user
from app.core.project import Project
from app.extensions import db
from app.groups.models import GroupRole, Membership, WorkingGroup

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

# (e-mail, name, Chinese name, organisation, country, position, zone, site role, locale,
#  {group code: group role})
PEOPLE = [
    (
        "admin@ic2permed.example",
        "Giulia Ferraro",
        None,
        "Università Cattolica del Sacro Cuore",
        "IT",
        "Portal administrator",
        "Europe/Rome",
        SiteRole.ADMIN,
        "en",
        {},
    ),
    (
        "coordinator@ic2permed.example",
        "Marco Bellini",
        None,
        "Università Cattolica del Sacro Cuore",
        "IT",
        "Project coordinator",
        "Europe/Rome",
        SiteRole.COORDINATOR,
        "en",
        {},
    ),
    (
        "liu.fang@ic2permed.example",
        "Liu Fang",
        "刘芳",
        "Chinese Academy of Medical Sciences",
        "CN",
        "Coordinator for China",
        "Asia/Shanghai",
        SiteRole.COORDINATOR,
        "zh",
        {"WG3": GroupRole.OBSERVER},
    ),
    (
        "anna.schmidt@ic2permed.example",
        "Anna Schmidt",
        None,
        "A university hospital in Bonn",
        "DE",
        "Health economist",
        "Europe/Berlin",
        SiteRole.MEMBER,
        "en",
        {"WG1": GroupRole.LEAD},
    ),
    (
        "wang.lei@ic2permed.example",
        "Wang Lei",
        "王磊",
        "A university hospital in Shanghai",
        "CN",
        "Professor of clinical genomics",
        "Asia/Shanghai",
        SiteRole.MEMBER,
        "zh",
        {"WG1": GroupRole.LEAD, "WG3": GroupRole.MEMBER},
    ),
    (
        "claire.martin@ic2permed.example",
        "Claire Martin",
        None,
        "A research ministry in Paris",
        "FR",
        "Programme officer",
        "Europe/Paris",
        SiteRole.MEMBER,
        "en",
        {"WG1": GroupRole.MEMBER},
    ),
    (
        "zhang.wei@ic2permed.example",
        "Zhang Wei",
        "张伟",
        "A medical university in Beijing",
        "CN",
        "Associate professor of health policy",
        "Asia/Shanghai",
        SiteRole.MEMBER,
        "zh",
        {"WG1": GroupRole.MEMBER, "WG2": GroupRole.MEMBER},
    ),
    (
        "sofia.rossi@ic2permed.example",
        "Sofia Rossi",
        None,
        "A patient organisation in Milan",
        "IT",
        "Patient advocate",
        "Europe/Rome",
        SiteRole.MEMBER,
        "en",
        {"WG1": GroupRole.OBSERVER},
    ),
    (
        "lars.jensen@ic2permed.example",
        "Lars Jensen",
        None,
        "A diagnostics company in Copenhagen",
        "DK",
        "Head of market access",
        "Europe/Copenhagen",
        SiteRole.MEMBER,
        "en",
        {"WG2": GroupRole.LEAD},
    ),
    (
        "chen.jing@ic2permed.example",
        "Chen Jing",
        "陈静",
        "A health-data company in Shenzhen",
        "CN",
        "Chief data officer",
        "Asia/Shanghai",
        SiteRole.MEMBER,
        "zh",
        {"WG2": GroupRole.LEAD},
    ),
    (
        "pieter.devries@ic2permed.example",
        "Pieter de Vries",
        None,
        "A health-technology agency in The Hague",
        "NL",
        "Senior policy adviser",
        "Europe/Amsterdam",
        SiteRole.MEMBER,
        "en",
        {"WG2": GroupRole.MEMBER},
    ),
    (
        "li.na@ic2permed.example",
        "Li Na",
        "李娜",
        "A provincial health commission in Hangzhou",
        "CN",
        "Division director",
        "Asia/Shanghai",
        SiteRole.MEMBER,
        "zh",
        {"WG2": GroupRole.OBSERVER},
    ),
    (
        "elena.garcia@ic2permed.example",
        "Elena García",
        None,
        "A biomedical research institute in Madrid",
        "ES",
        "Biobank manager",
        "Europe/Madrid",
        SiteRole.MEMBER,
        "en",
        {"WG3": GroupRole.LEAD},
    ),
    (
        "zhao.min@ic2permed.example",
        "Zhao Min",
        "赵敏",
        "A cancer hospital in Beijing",
        "CN",
        "Principal investigator",
        "Asia/Shanghai",
        SiteRole.MEMBER,
        "zh",
        {"WG3": GroupRole.LEAD},
    ),
    (
        "tomas.novak@ic2permed.example",
        "Tomáš Novák",
        None,
        "A research funder in Prague",
        "CZ",
        "Programme manager",
        "Europe/Prague",
        SiteRole.MEMBER,
        "en",
        {"WG3": GroupRole.MEMBER},
    ),
    (
        "huang.yan@ic2permed.example",
        "Huang Yan",
        "黄燕",
        "A genomics institute in Shenzhen",
        "CN",
        "Bioinformatician",
        "Asia/Shanghai",
        SiteRole.MEMBER,
        "zh",
        {"WG3": GroupRole.MEMBER},
    ),
]


def demo_is_loaded() -> bool:
    return db.session.scalar(sa.select(sa.func.count()).select_from(User)) > 0


def load_demo(password: str) -> None:
    """Fill an empty database with the demo consortium, in one transaction."""
    db.session.add(
        Project(
            name="IC2PerMed",
            title_en="Integrating China in the International Consortium for Personalised Medicine",
            title_zh="将中国纳入个性化医学国际联盟",
            grant_number="874694",
            start_on=date(2020, 1, 1),
            duration_months=48,
        )
    )
    groups = {spec["code"]: WorkingGroup(**spec) for spec in GROUPS}
    db.session.add_all(groups.values())
    for email, name, name_zh, org, country, position, zone, role, locale, roles in PEOPLE:
        user = create_user(
            email,
            password,
            name=name,
            site_role=role,
            name_zh=name_zh,
            organisation=org,
            country=country,
            position=position,
            timezone=zone,
            locale=locale,
        )
        for code, group_role in roles.items():
            db.session.add(Membership(user=user, group=groups[code], role=group_role))
    db.session.commit()


def print_sign_ins(password: str) -> None:
    click.echo(_("Demo sign-ins (password for all: %(password)s)", password=password))
    rows = db.session.execute(sa.select(User.email, User.site_role).order_by(User.id)).all()
    for email, role in rows:
        click.echo(f"  {email:40} {role.label}")


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
