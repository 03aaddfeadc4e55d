"""Typed query parameters: every list's filters are a django-filter FilterSet, so a value
of the wrong type, too long, out of range or carrying a NUL is a 400 naming the parameter
({"param": ["message"]}), never a server error."""

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError as DRFValidationError

# PostgreSQL's bigint keys: a larger number in a hand-edited URL names nothing.
MAX_ID = 2**63 - 1
# Free-text filters (searches) are at most this long.
MAX_TEXT = 200


class AsciiIntegerField(forms.IntegerField):
    """An integer written in ASCII digits (a superscript two or an
    Arabic-Indic digit is not a number in a URL)."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not value.strip().isascii():
            raise ValidationError(_("Enter a whole number."), code="invalid")
        return super().to_python(value)


class IdFilter(django_filters.NumberFilter):
    field_class = AsciiIntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class TextFilter(django_filters.CharFilter):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", MAX_TEXT)
        super().__init__(*args, **kwargs)


def checked(filterset) -> dict:
    """The FilterSet's cleaned values, or the API's 400 naming each bad parameter."""
    if not filterset.is_valid():
        raise DRFValidationError(filterset.errors)
    return filterset.form.cleaned_data


# -- the pages' query parameters ---------------------------------------------------------------
# A page reads its query with a Form: a value it cannot read is left out (the page shows
# what it can, without it) and the answer is a 400 whose page names each parameter and why
# (base.html shows `query_errors`).

# Page numbers of the numbered lists: larger is no page of any list.
MAX_PAGE = 2**31 - 1


def page_field() -> AsciiIntegerField:
    return AsciiIntegerField(label=_("Page"), required=False, min_value=1, max_value=MAX_PAGE)


class PageForm(forms.Form):
    """A numbered list's `?page=`: a whole number from 1 (past the last page: the last)."""

    page = page_field()


def query_errors(form: forms.Form) -> dict[str, list[str]]:
    """The bound form's refusals by parameter name (nothing when every value is read)."""
    form.is_valid()
    return {name: [str(message) for message in errors] for name, errors in form.errors.items()}


def query_status(errors: dict) -> int:
    return 400 if errors else 200
