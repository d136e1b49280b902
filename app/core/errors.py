"""Why a use case refused: the errors every service raises and every view shows.

A service checks what only it can check (a name already taken, a step the workflow does not
allow, a file that is not what it says) and raises one of these with a translated message,
before it has written anything. The view puts the message on its form with `show_on_form`,
so the person sees it next to the field it concerns, and nothing has changed.
"""

from __future__ import annotations

from collections.abc import Mapping

from wtforms import Form


class ServiceError(Exception):
    """A change is refused; `message` says why, translated; `field` is the form field it
    belongs to, or None for the form (or the action) as a whole."""

    def __init__(self, message: object, field: str | None = None) -> None:
        # A lazy string is resolved now, in the language of the request that failed.
        self.message = str(message)
        super().__init__(self.message)
        self.field = field


class FieldErrors(Exception):
    """Several fields are wrong at once; `errors` maps form fields to translated messages."""

    def __init__(self, errors: Mapping[str, str]) -> None:
        super().__init__(dict(errors))
        self.errors = dict(errors)


class StaleEdit(Exception):
    """Someone else saved the object after the form was read: nothing was changed.

    `current` is the object as it is now (reloaded), or None when it no longer exists, so a
    page can show what the other person saved next to what this one typed.
    """

    def __init__(self, current: object | None = None) -> None:
        super().__init__(current)
        self.current = current


def show_on_form(form: Form, error: ServiceError | FieldErrors, field: str | None = None) -> None:
    """Put `error` on `form`: on its own field, else on `field`, else on the whole form.

    A field the form does not have counts as the whole form, so a message is never lost.
    """
    if isinstance(error, FieldErrors):
        pairs = list(error.errors.items())
    else:
        pairs = [(error.field, error.message)]
    for name, message in pairs:
        target = getattr(form, name or field or "", None) if (name or field) else None
        if target is None or not hasattr(target, "errors"):
            form.form_errors.append(message)
        else:
            target.errors = [*target.errors, message]
