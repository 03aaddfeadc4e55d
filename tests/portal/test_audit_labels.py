"""The audit pages' labels go through gettext: every recorded field's name, every audited
model's name and every closed vocabulary shown as a before or after value is a lazy
translation, read in the language active when the page is drawn.

There is no translation catalogue yet, so the language switch below is a stand-in
catalogue that marks every message it translates."""

import pytest
from auditlog.models import LogEntry
from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import trans_real

from contracts.services import tier_save
from portal.audit import Source, audit_origin
from portal.audit_trail import _row
from tests.factories import TierFactory

pytestmark = pytest.mark.django_db

MARK = " [translated]"


def audited_fields():
    """(model, field) for every field django-auditlog records (settings' list)."""
    for entry in settings.AUDITLOG_INCLUDE_TRACKING_MODELS:
        model = apps.get_model(entry["model"])
        include = entry.get("include_fields")
        exclude = set(entry.get("exclude_fields", []))
        for field in model._meta.concrete_fields:
            if field.primary_key and field.auto_created:
                continue  # "ID"
            if (include is None or field.name in include) and field.name not in exclude:
                yield model, field


@pytest.mark.parametrize(
    ("model", "field"), list(audited_fields()), ids=lambda v: getattr(v, "name", str(v))
)
def test_every_recorded_field_is_named_through_gettext(model, field):
    assert isinstance(field.verbose_name, Promise), f"{model.__name__}.{field.name}"
    for _value, label in field.flatchoices or []:
        assert isinstance(label, Promise), f"{model.__name__}.{field.name}: {label!r}"


def test_every_audited_model_is_named_through_gettext():
    for entry in settings.AUDITLOG_INCLUDE_TRACKING_MODELS:
        model = apps.get_model(entry["model"])
        assert isinstance(model._meta.verbose_name, Promise), model.__name__


class Marking(trans_real.DjangoTranslation):
    """A stand-in catalogue: every message comes back marked."""

    def gettext(self, message):
        return f"{message}{MARK}"


def test_an_entry_reads_its_labels_in_the_language_of_the_page():
    tier = TierFactory(name="Gold")
    target = {"severity": 1, "metric": "first_response", "minutes": 30, "clock": "calendar"}
    with audit_origin(Source.API):
        tier_save(tier=tier, name="Gold Plus", targets=[target])
    tier_entry = LogEntry.objects.get_for_object(tier).latest("id")
    target_entry = LogEntry.objects.filter(content_type__model="severitytarget").latest("id")
    try:
        trans_real._active.value = Marking("en")
        tier_row, target_row = _row(tier_entry), _row(target_entry)
    finally:
        translation.deactivate()
    assert tier_row.what.startswith(f"Tier{MARK}: ")
    assert f"Name{MARK}" in [change.field for change in tier_row.changes]
    after = {change.field: change.after for change in target_row.changes}
    assert after[f"Metric{MARK}"] == f"First response{MARK}"
    assert after[f"Clock{MARK}"] == f"Calendar time (24x7){MARK}"
    # Outside the switch, the same entry reads plainly.
    plain = _row(target_entry)
    assert plain.what.startswith("Severity target: ")
    assert {change.field: change.after for change in plain.changes}["Metric"] == "First response"
