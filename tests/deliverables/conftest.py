"""Fixtures of the deliverables tests: the project (M1 = January 2020) and factories."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from app.core.project import Project
from app.deliverables import months
from app.deliverables.models import (
    Deliverable,
    DeliverableEvent,
    DeliverableStatus,
    DeliverableType,
    Dissemination,
    Milestone,
)
from app.documents import uploads
from app.documents.demo import pdf_bytes
from app.documents.models import DocumentVersion
from app.extensions import db

_numbers = itertools.count(1)


@pytest.fixture
def app_config(tmp_path: Path) -> dict[str, Any]:
    """Every test stores its library files in a folder of its own."""
    return {"STORAGE_PATH": str(tmp_path / "storage")}


@pytest.fixture
def make_version(app, make_user) -> Callable[..., DocumentVersion]:
    """Return a factory of documents uploaded to a group's library; it returns the version."""

    def factory(group, *, title: str = "", filename: str = "report.pdf", actor=None):
        n = next(_numbers)
        (document,) = uploads.upload_documents(
            group,
            [uploads.IncomingFile(io.BytesIO(pdf_bytes([f"Report {n}"])), filename)],
            actor=actor or make_user(),
            title=title or f"Report {n}",
        )
        return document.current_version

    return factory


@pytest.fixture
def project(app) -> Project:
    """The project settings: 48 months from January 2020, as IC2PerMed's grant."""
    settings = Project(name="IC2PerMed", start_on=date(2020, 1, 1), duration_months=48)
    db.session.add(settings)
    db.session.commit()
    return settings


@pytest.fixture
def make_deliverable(project) -> Callable[..., Deliverable]:
    """Return a factory of committed deliverables (planned, due in M12 unless told)."""

    def factory(group, *, due_on: date | None = None, due_month: int | None = None, **fields):
        n = next(_numbers)
        if due_on is not None:
            due_month = months.month_of(project.start_on, due_on)
        else:
            due_month = due_month or 12
            due_on = months.due_date(project.start_on, due_month)
        values: dict[str, Any] = {
            "code": f"D9.{n}",
            "title_en": f"Deliverable {n}",
            "work_package": "WP9",
            "type": DeliverableType.R,
            "dissemination": Dissemination.PU,
            "status": DeliverableStatus.PLANNED,
        }
        values.update(fields)
        deliverable = Deliverable(group=group, due_month=due_month, due_on=due_on, **values)
        db.session.add(deliverable)
        db.session.flush()
        db.session.add(
            DeliverableEvent(
                deliverable_id=deliverable.id, from_status=None, to_status=deliverable.status
            )
        )
        db.session.commit()
        return deliverable

    return factory


@pytest.fixture
def make_milestone(project) -> Callable[..., Milestone]:
    """Return a factory of committed milestones (due in M12 unless told)."""

    def factory(group, *, due_on: date | None = None, due_month: int | None = None, **fields):
        n = next(_numbers)
        if due_on is not None:
            due_month = months.month_of(project.start_on, due_on)
        else:
            due_month = due_month or 12
            due_on = months.due_date(project.start_on, due_month)
        values: dict[str, Any] = {"code": f"MS{n}", "title_en": f"Milestone {n}"}
        values.update(fields)
        milestone = Milestone(group=group, due_month=due_month, due_on=due_on, **values)
        db.session.add(milestone)
        db.session.commit()
        return milestone

    return factory
