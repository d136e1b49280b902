"""Two administrators acting at the same moment cannot leave the portal without one."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from app.admin import services
from app.auth.models import SiteRole, User
from app.core.errors import ServiceError
from app.extensions import db
from tests.conftest import ON_POSTGRES

pytestmark = pytest.mark.skipif(
    not ON_POSTGRES, reason="row locks: SQLite runs one writer at a time anyway"
)


def test_deactivations_crossing_each_other_leave_one_administrator(app, make_user):
    """While A's deactivation is uncommitted, deactivating B waits for it, then is refused."""
    a = make_user(site_role=SiteRole.ADMIN)
    b = make_user(site_role=SiteRole.ADMIN)

    # Another request is deactivating A: it holds the administrators' rows, not yet committed.
    other = Session(db.engine)
    active_admins = (
        sa.select(User)
        .where(User.site_role == SiteRole.ADMIN, User.is_active_account.is_(True))
        .with_for_update(of=User)
    )
    other.execute(active_admins).all()
    other.execute(sa.update(User).where(User.id == a.id).values(is_active_account=False))

    outcome: dict[str, str] = {}

    def deactivate_b() -> None:
        with app.app_context():
            try:
                services.deactivate_account(
                    db.session.get(User, b.id), actor=db.session.get(User, a.id)
                )
                outcome["b"] = "deactivated"
            except ServiceError:
                outcome["b"] = "refused"
            finally:
                db.session.remove()

    thread = threading.Thread(target=deactivate_b)
    thread.start()
    thread.join(timeout=1)
    assert thread.is_alive(), "the second deactivation did not wait for the first"
    other.commit()
    other.close()
    thread.join(timeout=30)
    assert outcome == {"b": "refused"}
    db.session.expire_all()
    assert db.session.get(User, b.id).is_active_account


def test_demotions_crossing_each_other_leave_one_administrator(app, make_user):
    """While A's demotion is uncommitted, demoting B waits for it, then is refused."""
    a = make_user(site_role=SiteRole.ADMIN)
    b = make_user(site_role=SiteRole.ADMIN)
    other = Session(db.engine)
    other.execute(
        sa.select(User).where(User.site_role == SiteRole.ADMIN).with_for_update(of=User)
    ).all()
    other.execute(sa.update(User).where(User.id == a.id).values(site_role=SiteRole.MEMBER))

    outcome: dict[str, str] = {}

    def demote_b() -> None:
        with app.app_context():
            try:
                services.change_site_role(
                    db.session.get(User, b.id), SiteRole.MEMBER, actor=db.session.get(User, a.id)
                )
                outcome["b"] = "demoted"
            except ServiceError:
                outcome["b"] = "refused"
            finally:
                db.session.remove()

    thread = threading.Thread(target=demote_b)
    thread.start()
    thread.join(timeout=1)
    assert thread.is_alive()
    other.commit()
    other.close()
    thread.join(timeout=30)
    assert outcome == {"b": "refused"}
    db.session.expire_all()
    assert db.session.get(User, b.id).site_role == SiteRole.ADMIN
