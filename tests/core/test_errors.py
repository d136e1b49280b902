"""Service errors and how a view puts them on its form."""

from __future__ import annotations

from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from app.core.errors import FieldErrors, ServiceError, show_on_form
from app.core.forms import BaseForm


class TwoFields(BaseForm):
    class Meta:
        csrf = False

    name = StringField()
    email = StringField()


def test_an_error_with_a_field_goes_to_that_field(app):
    with app.test_request_context():
        form = TwoFields()
        show_on_form(form, ServiceError("Taken.", field="email"), "name")
        assert form.email.errors == ["Taken."]
        assert not form.name.errors and not form.form_errors


def test_an_error_without_a_field_goes_to_the_default_or_the_form(app):
    with app.test_request_context():
        form = TwoFields()
        show_on_form(form, ServiceError("Too short."), "name")
        show_on_form(form, ServiceError("Refused."))
        show_on_form(form, ServiceError("Lost?", field="no_such_field"))
        assert form.name.errors == ["Too short."]
        assert form.form_errors == ["Refused.", "Lost?"]


def test_field_errors_go_each_to_its_field(app):
    with app.test_request_context():
        form = TwoFields()
        show_on_form(form, FieldErrors({"name": "Empty.", "email": "Wrong."}))
        assert (form.name.errors, form.email.errors) == (["Empty."], ["Wrong."])


def test_a_lazy_message_is_resolved_in_the_language_of_the_request(app):
    with app.test_request_context(), force_locale("zh"):
        error = ServiceError(_l("Choose a document from the list."))
    assert isinstance(error.message, str)
    assert error.message != "Choose a document from the list."
