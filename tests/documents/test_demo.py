"""The demo libraries load into the demo consortium."""

from __future__ import annotations

import sqlalchemy as sa

from app import demo
from app.auth.models import User
from app.core.project import get_project
from app.documents import demo as documents_demo
from app.documents.models import Document, DocumentVersion, Folder, Visibility
from app.extensions import db
from app.groups.models import WorkingGroup
from tests.documents.conftest import read_storage


def test_demo_libraries(app):
    """Each demo group gets folders and documents, several with versions and Chinese names."""
    demo.load_demo("a demo password for tests")
    groups = {g.code: g for g in db.session.scalars(sa.select(WorkingGroup))}
    users = {u.email: u for u in db.session.scalars(sa.select(User))}
    documents_demo.load_demo(get_project(), groups, users)
    db.session.commit()
    db.session.expire_all()

    documents = db.session.scalars(sa.select(Document)).all()
    for code in ("WG1", "WG2", "WG3"):
        assert any(d.group.code == code for d in documents), code
        assert (
            db.session.scalars(
                sa.select(Folder).join(Folder.group).where(WorkingGroup.code == code)
            ).first()
            is not None
        )
    assert any(len(d.versions) >= 3 for d in documents)
    assert any(d.visibility == Visibility.CONSORTIUM for d in documents)
    names = [v.filename for v in db.session.scalars(sa.select(DocumentVersion))]
    assert "会议纪要（终稿）.pdf" in names
    assert sum(any("\u4e00" <= c <= "\u9fff" for c in name) for name in names) >= 3
    for version in db.session.scalars(sa.select(DocumentVersion)):
        assert len(read_storage(version.storage_key)) == version.size
        assert version.uploaded_by is not None
