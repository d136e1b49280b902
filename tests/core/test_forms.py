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
