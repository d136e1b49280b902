"""The template kit (app/templates/_macros.html): each macro's markup, and no copies of it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import render_template_string
from flask_babel import force_locale
from flask_sqlalchemy.pagination import Pagination
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired

APP = Path(__file__).resolve().parents[2] / "app"
KIT = APP / "templates" / "_macros.html"


class ListPagination(Pagination):
    """A real flask-sqlalchemy Pagination over a Python list (no query needed)."""

    def _query_items(self) -> list:
        items = self._query_args["items"]
        return items[self._query_offset : self._query_offset + self.per_page]

    def _query_count(self) -> int:
        return len(self._query_args["items"])


def paged(page: int, total: int = 50, per_page: int = 10) -> ListPagination:
    return ListPagination(page=page, per_page=per_page, items=list(range(total)))


def render(source: str, **context) -> str:
    return render_template_string('{% import "_macros.html" as kit %}' + source, **context)


@pytest.fixture
def request_context(app):
    with app.test_request_context("/"):
        yield


def links(html: str) -> list[str]:
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]*)"', html)]


# pagination ------------------------------------------------------------------------------------


def test_the_pager_numbers_the_pages_and_marks_the_current_one(request_context):
    html = render("{{ kit.pagination(p, 'groups.index', label='Pages of groups') }}", p=paged(3))
    assert '<nav aria-label="Pages of groups"' in html
    current = re.findall(r"<a [^>]*aria-current=\"page\"[^>]*>(\d+)</a>", html)
    assert current == ["3"]
    assert 'aria-label="Page 3 of 5"' in html
    numbers = re.findall(r'class="page-link"[^>]*>(\d+)</a>', html)
    assert numbers == ["1", "2", "3", "4", "5"]
    assert re.search(r'rel="prev" href="/groups/\?page=2">Previous</a>', html)
    assert re.search(r'rel="next" href="/groups/\?page=4">Next</a>', html)


def test_the_pager_keeps_the_filters_and_the_other_list_s_page(request_context):
    html = render(
        "{{ kit.pagination(p, 'groups.home', {'q': 'tumour', 'label': 'x'}, param='past_page',"
        " anchor='#past', slug='wg1', page=4) }}",
        p=paged(2),
    )
    hrefs = links(html)
    assert hrefs, html
    for href in hrefs:
        assert href.startswith("/groups/wg1/?")
        assert "q=tumour" in href and "label=x" in href and "page=4" in href
        assert href.endswith("#past")
    assert "/groups/wg1/?q=tumour&label=x&page=4&past_page=1#past" in hrefs
    assert "/groups/wg1/?q=tumour&label=x&page=4&past_page=3#past" in hrefs


def test_the_pager_disables_previous_on_the_first_page_and_next_on_the_last(request_context):
    first = render("{{ kit.pagination(p, 'groups.index') }}", p=paged(1))
    assert '<li class="page-item disabled"><span class="page-link">Previous</span></li>' in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    last = render("{{ kit.pagination(p, 'groups.index') }}", p=paged(5))
    assert '<li class="page-item disabled"><span class="page-link">Next</span></li>' in last
    assert 'rel="prev"' in last and 'rel="next"' not in last


def test_the_pager_shortens_long_runs_of_pages(request_context):
    html = render("{{ kit.pagination(p, 'groups.index') }}", p=paged(10, total=300))
    assert "…" in html
    assert "?page=1" in html and "?page=30" in html and "?page=20" not in html


def test_a_single_page_has_no_pager(request_context):
    assert render("{{ kit.pagination(p, 'groups.index') }}", p=paged(1, total=5)).strip() == ""


def test_the_pager_speaks_chinese(request_context):
    with force_locale("zh"):
        html = render("{{ kit.pagination(p, 'groups.index') }}", p=paged(2))
    assert "上一页" in html and "下一页" in html and 'aria-label="分页"' in html
    assert "第 2 页，共 5 页" in html


# breadcrumb ------------------------------------------------------------------------------------


def test_the_breadcrumb_links_each_step_and_marks_the_page(request_context):
    html = render(
        "{{ kit.breadcrumb([('Working groups', '/groups/'), ('WG1', '/groups/wg1/') if shown,"
        " ('Hidden', '/nowhere') if not shown, ('Edit', None)]) }}",
        shown=True,
    )
    assert '<nav aria-label="Breadcrumb"' in html
    steps = re.findall(r'<a class="text-break" href="([^"]+)">', html)
    assert steps == ["/groups/", "/groups/wg1/"]
    assert "Hidden" not in html
    current = re.findall(r'<li [^>]*aria-current="page">([^<]*)</li>', html)
    assert current == ["Edit"]
    assert html.count("breadcrumb-item") == 3


# post_button -----------------------------------------------------------------------------------


def test_the_post_button_sends_the_csrf_token_and_its_fields(app, request_context):
    html = render(
        "{{ kit.post_button('/groups/wg1/archive', 'Archive', hidden={'version': 3},"
        " confirm='Archive it?', cls='btn btn-danger') }}"
    )
    assert '<form method="post" action="/groups/wg1/archive" class="d-inline">' in html
    token = re.search(r'<input type="hidden" name="csrf_token" value="([^"]+)">', html)
    assert token and len(token.group(1)) > 20
    assert '<input type="hidden" name="version" value="3">' in html
    button = (
        '<button type="submit" class="btn btn-danger" data-confirm="Archive it?">Archive</button>'
    )
    assert button in html


def test_the_post_button_takes_its_label_from_a_call_block(request_context):
    html = render(
        "{% call kit.post_button('/x', form_cls='', aria_label='Remove item 2') %}"
        '<i class="bi bi-trash"></i> Remove{% endcall %}'
    )
    assert '<form method="post" action="/x">' in html
    assert 'aria-label="Remove item 2"' in html
    assert '<i class="bi bi-trash"></i> Remove</button>' in html
    assert "data-confirm" not in html


def test_the_post_button_escapes_the_question(request_context):
    html = render("{{ kit.post_button('/x', 'Go', confirm=question) }}", question='Remove "A" <b>?')
    assert 'data-confirm="Remove &#34;A&#34; &lt;b&gt;?"' in html


def test_a_confirmed_button_works_for_real(client, make_user, make_group, add_member, login_as):
    """The group page's archive button: the kit's form posts with its token and asks first."""
    from app.auth.models import SiteRole

    group = make_group()
    login_as(make_user(site_role=SiteRole.COORDINATOR))
    html = client.get(f"/groups/{group.slug}/").get_data(as_text=True)
    form = re.search(
        rf'<form method="post" action="/groups/{group.slug}/archive">\s*'
        r'<input type="hidden" name="csrf_token" value="[^"]+">\s*'
        r'<button type="submit" class="[^"]*" data-confirm="Archive this working group\?[^"]*">',
        html,
    )
    assert form, html
    assert '<script src="/static/js/confirm.js" defer></script>' in html


# field with help text --------------------------------------------------------------------------


class HelpForm(FlaskForm):
    class Meta:
        csrf = False

    code = StringField(
        "Code", description="As in the grant agreement.", validators=[DataRequired()]
    )
    name = StringField("Name")


def test_help_text_is_linked_to_its_input(request_context):
    form = HelpForm(data={"code": "D1.1"})
    html = render("{{ kit.field(form.code) }}{{ kit.field(form.name) }}", form=form)
    assert '<div class="form-text" id="code-help">As in the grant agreement.</div>' in html
    assert re.search(r'<input aria-describedby="code-help"[^>]* id="code"', html)
    name_input = re.search(r'<input[^>]* id="name"[^>]*>', html).group(0)
    assert "aria-describedby" not in name_input


def test_help_and_errors_are_both_described(request_context):
    form = HelpForm(data={"code": ""})
    form.validate()
    html = render("{{ kit.field(form.code, help='Say it.') }}", form=form)
    code_input = re.search(r'<input[^>]* id="code"[^>]*>', html).group(0)
    assert 'aria-describedby="code-help code-errors"' in code_input
    assert 'aria-invalid="true"' in code_input
    assert 'id="code-help">Say it.</div>' in html and 'id="code-errors"' in html


# no copies -------------------------------------------------------------------------------------

#: What only the kit may write: a hand-made CSRF input, a breadcrumb, a pager, a pager macro.
COPY_PATTERNS = {
    "a hand-written CSRF input (use post_button, csrf_field or the form's csrf_token)": re.compile(
        r"""name=["']csrf_token["']"""
    ),
    "a hand-written breadcrumb (use breadcrumb)": re.compile(r"""class=["'][^"']*\bbreadcrumb\b"""),
    "a hand-written pager (use pagination)": re.compile(r"""class=["'][^"']*\bpagination\b"""),
    "another pager macro (use pagination)": re.compile(r"\{%-?\s*macro\s+(pager|pagination)\b"),
    "another confirmation attribute (use data-confirm)": re.compile(r"data-[a-z-]+-confirm\b"),
    "an inline event handler (the CSP forbids it)": re.compile(r"\son[a-z]+\s*=", re.I),
    "an inline script (the CSP forbids it)": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
}


def copies_in(text: str) -> list[str]:
    """Return what `text` writes by hand that belongs to the template kit."""
    return [name for name, pattern in COPY_PATTERNS.items() if pattern.search(text)]


def page_templates() -> list[Path]:
    return [
        path
        for path in sorted(APP.rglob("*.html"))
        if "templates" in path.parts
        and path != KIT
        and path.relative_to(APP).parts[:2] != ("templates", "mail")
    ]


def test_the_check_finds_each_kind_of_copy():
    """Each pattern catches the markup it is meant for (so the next test can fail)."""
    assert copies_in('<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">')
    assert copies_in('<ol class="breadcrumb">')
    assert copies_in('<ul class="pagination pagination-sm">')
    assert copies_in("{% macro pager(pagination, label) %}")
    assert copies_in('<button data-documents-confirm="Sure?">')
    assert copies_in('<button onclick="return confirm()">')
    assert copies_in("<script>window.confirm('x')</script>")
    assert not copies_in("{{ kit.pagination(pagination, 'groups.index') }}")
    assert not copies_in("{{ breadcrumb([(group.code, None)]) }}")
    assert not copies_in('<button data-confirm="Sure?"> {{ form.csrf_token }}')
    assert not copies_in('<script src="/static/js/confirm.js" defer></script>')


def test_the_kit_itself_holds_what_the_check_looks_for():
    kit = KIT.read_text(encoding="utf-8")
    assert len(copies_in(kit)) >= 4


def test_no_template_copies_the_kit():
    found = {
        str(path.relative_to(APP)): problems
        for path in page_templates()
        if (problems := copies_in(path.read_text(encoding="utf-8")))
    }
    assert found == {}
    assert len(page_templates()) > 50


def test_one_script_asks_for_confirmation():
    folder = APP / "static" / "js"
    scripts = {path.name: path.read_text(encoding="utf-8") for path in folder.glob("*.js")}
    assert [name for name, text in scripts.items() if "confirm(" in text] == ["confirm.js"]
    assert 'getAttribute("data-confirm")' in scripts["confirm.js"]


# mail layout -----------------------------------------------------------------------------------


def mail_templates(suffix: str) -> list[Path]:
    folder = APP / "templates" / "mail"
    return [p for p in sorted(folder.glob(f"*{suffix}")) if not p.name.startswith("_")]


@pytest.mark.parametrize("suffix", [".html", ".txt"])
def test_every_mail_extends_the_one_layout(suffix):
    templates = mail_templates(suffix)
    assert len(templates) >= 6
    for path in templates:
        text = path.read_text(encoding="utf-8")
        assert text.startswith(f'{{% extends "mail/_layout{suffix}" %}}'), path.name
        assert "<html" not in text and "<body" not in text, path.name
        assert "-- " not in text, path.name


def test_the_mail_layout_frames_the_message(app, request_context):
    from flask import render_template

    class Person:
        name = "Wang Fang"

    with force_locale("zh"):
        html = render_template(
            "mail/password_reset.html",
            user=Person(),
            link="https://portal.example/r/x",
            hours=2,
            locale="zh",
            subject="重置密码",
        )
        text = render_template(
            "mail/password_reset.txt",
            user=Person(),
            link="https://portal.example/r/x",
            hours=2,
            locale="zh",
        )
    assert html.startswith("<!doctype html>")
    assert '<html lang="zh-Hans">' in html and "<title>重置密码</title>" in html
    assert "PingFang SC" in html and '<a href="https://portal.example/r/x">' in html
    assert html.rstrip().endswith("IC2PerMed 工作组门户</p>\n</body>\n</html>")
    assert text.startswith("Wang Fang，您好：")
    assert text.endswith("\n\n-- \nIC2PerMed 工作组门户")
