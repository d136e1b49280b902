"""The profile page: name, Chinese name, organisation, country, language, time zone."""

from __future__ import annotations

from babel.dates import format_datetime

from app.extensions import db
from tests.conftest import csrf_token_from


def profile_data(**overrides):
    data = {
        "name": "Wang Lei",
        "name_zh": "王磊",
        "organisation": "A hospital in Shanghai",
        "country": "CN",
        "position": "Professor",
        "expertise": "Clinical genomics",
        "locale": "zh",
        "timezone": "Asia/Shanghai",
    }
    data.update(overrides)
    return data


def save(client, **overrides):
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    return client.post("/profile", data={**profile_data(**overrides), "csrf_token": token})


def test_profile_saves_every_field(client, make_user, login_as):
    """Each field of the form is stored on the account."""
    user = make_user()
    login_as(user)
    assert save(client).status_code == 302
    db.session.expire_all()
    assert (user.name, user.name_zh, user.country, user.locale, user.timezone) == (
        "Wang Lei",
        "王磊",
        "CN",
        "zh",
        "Asia/Shanghai",
    )


def test_the_chosen_language_is_used_at_once(client, make_user, login_as):
    """After choosing Chinese the pages are in Chinese."""
    login_as(make_user())
    save(client, locale="zh")
    assert '<html lang="zh-Hans">' in client.get("/profile").get_data(as_text=True)


def test_an_unknown_time_zone_is_refused(client, make_user, login_as):
    """A zone that is not in the IANA database is refused and nothing is saved."""
    user = make_user(timezone="Europe/Rome")
    login_as(user)
    response = save(client, timezone="Mars/Olympus_Mons")
    assert response.status_code == 200
    db.session.expire_all()
    assert user.timezone == "Europe/Rome"


def test_an_unknown_country_or_language_is_refused(client, make_user, login_as):
    """Values outside the lists are refused."""
    user = make_user()
    login_as(user)
    assert save(client, country="XX").status_code == 200
    assert save(client, locale="fr").status_code == 200
    db.session.expire_all()
    assert user.country is None and user.locale is None


def test_the_name_is_required(client, make_user, login_as):
    """An empty name is refused with a message."""
    user = make_user(name="Claire Martin")
    login_as(user)
    response = save(client, name="   ")
    assert response.status_code == 200
    assert "This field is required." in response.get_data(as_text=True)
    db.session.expire_all()
    assert user.name == "Claire Martin"


def test_profile_shows_times_in_the_users_zone(client, make_user, login_as):
    """The last sign-in is shown in the account's own time zone."""
    user = make_user(timezone="Asia/Shanghai")
    login_as(user)
    db.session.expire_all()
    page = client.get("/profile").get_data(as_text=True)
    shanghai = format_datetime(user.last_login_at, "medium", tzinfo="Asia/Shanghai", locale="en")
    utc = format_datetime(user.last_login_at, "medium", tzinfo="UTC", locale="en")
    assert shanghai in page
    assert utc not in page
