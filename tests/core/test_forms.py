"""The base form: control characters are refused, real text in any script is kept."""

from __future__ import annotations

import pytest

from app.extensions import db
from tests.conftest import post_form

ERROR_EN = "This field contains characters that are not allowed."
ERROR_ZH = "此字段包含不允许使用的字符。"


def profile_data(**changes: str) -> dict[str, str]:
    """Return a complete, valid profile form, with `changes` applied."""
    data = {
        "name": "Anna Schmidt",
        "name_zh": "",
        "organisation_id": "",
        "country": "DE",
        "position": "Health economist",
        "expertise": "Health economics",
        "locale": "en",
        "timezone": "Europe/Berlin",
    }
    data.update(changes)
    return data


@pytest.fixture
def member(make_user, login_as):
    """A signed-in member with a known profile."""
    user = make_user(
        name="Anna Schmidt",
        position="Original position",
        expertise="Original expertise",
        locale="en",
        timezone="Europe/Berlin",
    )
    login_as(user)
    return user


def save_profile(client, **changes: str):
    return post_form(client, "/profile", profile_data(**changes), token_from="/profile")


@pytest.mark.parametrize(
    "char",
    ["\x00", "\x01", "\x1b", "\x7f", "\x85"],
    ids=["NUL", "SOH", "ESC", "DEL", "NEL"],
)
@pytest.mark.parametrize("field", ["name", "name_zh", "position", "expertise"])
def test_control_characters_are_refused(client, member, field, char):
    """Refuse a profile field holding a control character, with the error and nothing saved."""
    response = save_profile(client, **{field: f"Genomics{char}and more"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ERROR_EN in page
    assert f'id="{field}-errors"' in page
    db.session.expire_all()
    assert member.name == "Anna Schmidt"
    assert member.name_zh is None
    assert member.position == "Original position"
    assert member.expertise == "Original expertise"


def test_control_character_error_is_translated(client, make_user, login_as):
    """Show the control-character error in Chinese to a Chinese reader."""
    user = make_user(name="Wang Lei", position="原来的职务", locale="zh", timezone="Asia/Shanghai")
    login_as(user)
    response = save_profile(
        client, name="Wang Lei", position="临床\x00教授", locale="zh", timezone="Asia/Shanghai"
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert ERROR_ZH in page
    assert ERROR_EN not in page
    db.session.expire_all()
    assert user.position == "原来的职务"


def test_tabs_and_line_breaks_in_expertise_are_kept(client, member):
    """Accept tabs and line breaks in the multi-line expertise field."""
    expertise = "Health economics\n\tcost-effectiveness\r\nhealth technology assessment"
    response = save_profile(client, expertise=expertise)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert "\t" in member.expertise
    assert member.expertise.count("\n") == 2
    assert member.expertise.startswith("Health economics")
    assert member.expertise.endswith("health technology assessment")


def test_chinese_text_and_emoji_are_kept(client, member):
    """Accept Chinese text and emoji in every text field and store them unchanged."""
    response = save_profile(
        client,
        name_zh="王磊",
        position="临床基因组学教授 🏥",
        expertise="精准医学 🧬 与生物样本库",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    db.session.expire_all()
    assert member.name_zh == "王磊"
    assert member.position == "临床基因组学教授 🏥"
    assert member.expertise == "精准医学 🧬 与生物样本库"


# The one filter, field by field ------------------------------------------------------------

from datetime import date  # noqa: E402

from werkzeug.datastructures import MultiDict  # noqa: E402
from wtforms import (  # noqa: E402
    DateField,
    PasswordField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Optional  # noqa: E402

from app.core.forms import BaseForm, clean_text  # noqa: E402


class SampleForm(BaseForm):
    class Meta:
        csrf = False

    title = StringField("Title", [DataRequired()])
    notes = TextAreaField("Notes")
    password = PasswordField("Password")
    tags = SelectMultipleField("Tags", choices=[("a", "A"), ("é", "E")], validate_choice=False)
    day = DateField("Day", validators=[Optional()])


def sample(app, **values):
    with app.test_request_context(method="POST"):
        form = SampleForm(formdata=MultiDict({"title": "Plan", **values}))
        valid = form.validate()
        return form, valid


@pytest.mark.parametrize(
    "invisible",
    ["\u202e", "\u202a", "\u2066", "\u2069", "\u200e", "\u200f", "\u061c", "\u200b", "\ufeff"],
)
def test_bidirectional_and_invisible_characters_are_removed(app, invisible):
    form, valid = sample(app, title=f"report{invisible}fdp.exe")
    assert valid and form.title.data == "reportfdp.exe"


def test_joiners_stay_and_text_is_nfc(app):
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    form, valid = sample(app, title=f"Cafe\u0301 {family} \u200c")
    assert valid
    assert form.title.data == f"Café {family} \u200c"


def test_browser_line_ends_are_kept_as_line_feeds(app):
    form, valid = sample(app, notes="first\r\nsecond\rthird\n\tindented")
    assert valid and form.notes.data == "first\nsecond\nthird\n\tindented"


@pytest.mark.parametrize("char", ["\x00", "\x08", "\x1f", "\x7f", "\x9b", "\ud800"])
def test_control_characters_stop_every_other_check(app, char):
    form, valid = sample(app, title=f"a{char}b")
    assert not valid
    assert list(form.title.errors) == [ERROR_EN]


def test_a_list_is_cleaned_item_by_item(app):
    form, valid = sample(app, tags="e\u0301")
    assert valid and form.tags.data == ["é"]
    assert clean_text(["x\u200b", 3]) == ["x", 3]


def test_a_password_is_never_changed(app):
    secret = "Cafe\u0301\u200b\u202e pass"
    form, valid = sample(app, password=secret)
    assert valid and form.password.data == secret
    refused, valid = sample(app, password="pass\x00word")
    assert not valid and refused.password.errors


@pytest.mark.parametrize(
    ("text", "ok"),
    [("1899-12-31", False), ("1900-01-01", True), ("2100-12-31", True), ("2101-01-01", False),
     ("0001-01-01", False), ("9999-12-31", False)],
)
def test_dates_outside_the_range_are_a_form_error(app, text, ok):
    form, valid = sample(app, day=text)
    assert valid is ok
    if not ok:
        assert "1900" in form.day.errors[0] and "2100" in form.day.errors[0]
    else:
        assert form.day.data == date.fromisoformat(text)


# The id-select field ---------------------------------------------------------------------------

from flask_babel import force_locale  # noqa: E402
from flask_babel import lazy_gettext as _l  # noqa: E402
from wtforms.widgets import HiddenInput  # noqa: E402

from app.core.forms import IdSelectField  # noqa: E402
from app.core.routing import MAX_ID  # noqa: E402


class PickForm(BaseForm):
    class Meta:
        csrf = False

    #: A select with fixed choices (and a blank one).
    owner = IdSelectField("Owner", validators=[Optional()])
    #: A search-as-you-type picker: any id, the service checks it.
    person = IdSelectField(
        "Person",
        widget=HiddenInput(),
        validators=[Optional()],
        validate_choice=False,
        message=_l("Choose a person from the list."),
    )


def pick(app, **values):
    with app.test_request_context(method="POST"):
        form = PickForm(formdata=MultiDict(values))
        form.owner.choices = [("", "—"), ("7", "Anna"), ("42", "Li Wei")]
        valid = form.validate()
        return form, valid


def test_an_id_from_the_choices_is_an_int(app):
    form, valid = pick(app, owner="42", person=str(MAX_ID))
    assert valid
    assert form.owner.data == 42 and form.person.data == MAX_ID


def test_nothing_chosen_is_none(app):
    form, valid = pick(app, owner="", person="")
    assert valid and form.owner.data is None and form.person.data is None
    form, valid = pick(app)
    assert valid and form.owner.data is None and form.person.data is None


@pytest.mark.parametrize(
    "text", ["0", "-1", "007", "٣", "1.5", "x", " 7", str(MAX_ID + 1), "9" * 30, "7\x00"]
)
def test_anything_but_an_id_is_one_translated_error(app, text):
    form, valid = pick(app, owner="7", person=text)
    assert not valid and form.person.data is None
    assert form.person.errors == ["Choose a person from the list."]
    with app.test_request_context(), force_locale("zh"):
        form, valid = pick(app, owner=text)
        assert form.owner.errors == ["请从列表中选择。"]


def test_an_id_not_offered_is_refused_unless_the_service_checks(app):
    form, valid = pick(app, owner="8", person="8")
    assert not valid
    assert form.owner.errors == ["Choose from the list."] and not form.person.errors


def test_a_chosen_id_is_selected_and_a_picker_shows_it(app):
    with app.test_request_context():
        form = PickForm(data={"owner": 42, "person": 7})
        form.owner.choices = [("", "—"), ("7", "Anna"), ("42", "Li Wei")]
        assert [choice.selected for choice in form.owner.iter_choices()] == [False, False, True]
        assert 'value="7"' in form.person()
        blank = PickForm()
        blank.owner.choices = [("", "—"), ("7", "Anna")]
        assert [choice.selected for choice in blank.owner.iter_choices()] == [True, False]
        assert 'value=""' in blank.person()
