"""Access-matrix rows of account management and the audit log (app/admin)."""

from __future__ import annotations

from app.auth.models import SiteRole
from app.invitations.services import invite
from tests.access import Row, statuses


def admin_only(status: int) -> dict[str, int]:
    """Administrators get `status`; other accounts 403; nobody signed in goes to sign-in."""
    return statuses(302, 302, 403, 403, 403, 403, 403, status)


def audit_readers(status: int) -> dict[str, int]:
    """Administrators and coordinators get `status`; other accounts 403."""
    return statuses(302, 302, 403, 403, 403, 403, status, status)


def _user(name: str):
    return lambda w: f"/admin/users/{w.extra[name].id}"


def _invitation(name: str, action: str):
    return lambda w: f"/admin/invitations/{w.extra[name].id}/{action}"


ROWS: dict[tuple[str, str], Row] = {
    ("admin.users", "GET"): Row(admin_only(200), lambda w: "/admin/users?q=a&status=active"),
    ("admin.invite", "GET"): Row(admin_only(200), lambda w: "/admin/users/invite"),
    ("admin.invite", "POST"): Row(
        admin_only(302),
        lambda w: "/admin/users/invite",
        lambda w: {"email": "matrix.invitee@example.org", "locale": "zh", "site_role": "member"},
    ),
    ("admin.resend_invitation", "POST"): Row(
        admin_only(302), _invitation("admin_invitation_to_resend", "resend")
    ),
    ("admin.revoke_invitation", "POST"): Row(
        admin_only(302), _invitation("admin_invitation_to_revoke", "revoke")
    ),
    ("admin.user", "GET"): Row(admin_only(200), _user("admin_account")),
    ("admin.change_role", "POST"): Row(
        admin_only(302),
        lambda w: f"/admin/users/{w.extra['admin_account_to_promote'].id}/role",
        lambda w: {"site_role": "coordinator"},
    ),
    ("admin.send_reset_link", "POST"): Row(
        admin_only(302), lambda w: f"/admin/users/{w.extra['admin_account'].id}/reset-link"
    ),
    ("admin.deactivate", "POST"): Row(
        admin_only(302),
        lambda w: f"/admin/users/{w.extra['admin_account_to_deactivate'].id}/deactivate",
    ),
    ("admin.reactivate", "POST"): Row(
        admin_only(302),
        lambda w: f"/admin/users/{w.extra['admin_account_to_reactivate'].id}/reactivate",
    ),
    ("admin.erase", "POST"): Row(
        admin_only(302),
        lambda w: f"/admin/users/{w.extra['admin_account_to_erase'].id}/erase",
        lambda w: {"confirm_email": w.extra["admin_erase_email"]},
    ),
    ("admin.import_users", "GET"): Row(admin_only(200), lambda w: "/admin/users/import"),
    # No file: the form comes back with its error.
    ("admin.import_users", "POST"): Row(admin_only(200), lambda w: "/admin/users/import"),
    # No checked file to confirm: the upload form comes back with an error.
    ("admin.import_confirm", "POST"): Row(admin_only(200), lambda w: "/admin/users/import/confirm"),
    ("admin.audit", "GET"): Row(audit_readers(200), lambda w: "/admin/audit?action=auth."),
}


def build(world, factories) -> None:
    """Create the accounts and invitations the admin rows act on, one per changing row."""
    extra = world.extra
    admin = world.users["admin"]
    extra["admin_account"] = factories.make_user(name="Matrix Account", name_zh="矩阵账户")
    extra["admin_account_to_promote"] = factories.make_user()
    extra["admin_account_to_deactivate"] = factories.make_user()
    extra["admin_account_to_reactivate"] = factories.make_user(active=False)
    erasable = factories.make_user(site_role=SiteRole.MEMBER)
    extra["admin_account_to_erase"] = erasable
    extra["admin_erase_email"] = erasable.email
    extra["admin_invitation_to_resend"] = invite("matrix.resend@example.org", inviter=admin)
    extra["admin_invitation_to_revoke"] = invite("matrix.revoke@example.org", inviter=admin)
