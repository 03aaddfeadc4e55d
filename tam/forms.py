"""The desk pages' forms: they parse input only; the services check the rules.

Times are typed in the reader's own zone (the form names it) and read as instants in it.
People are offered from lists the page read once, so a page with many forms asks the
database once for its choices.
"""

import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import User
from tam.models import AbsenceReason

TYPED_TIME = "%Y-%m-%dT%H:%M"
# The rota's weeks: a week and its neighbours stay inside the calendar Python can count.
FIRST_DAY, LAST_DAY = datetime.date(1900, 1, 1), datetime.date(9998, 12, 31)


class WeekForm(forms.Form):
    """The rota page's `?week=YYYY-MM-DD`: any day of the week to show (none: this week)."""

    week = forms.CharField(label=_("Week"), required=False, max_length=10)

    def clean_week(self) -> datetime.date | None:
        raw = self.cleaned_data["week"]
        if not raw:
            return None
        try:
            day = datetime.date.fromisoformat(raw)
        except ValueError:
            raise ValidationError(
                _("“%(value)s” is not a date (YYYY-MM-DD); this week is shown."),
                params={"value": raw},
            ) from None
        if not FIRST_DAY <= day <= LAST_DAY:
            raise ValidationError(
                _("Give a day from %(first)s to %(last)s; this week is shown."),
                params={"first": FIRST_DAY.isoformat(), "last": LAST_DAY.isoformat()},
            )
        return day


def _moment(label) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        input_formats=[TYPED_TIME, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=TYPED_TIME),
    )


def _people(people: list[User], *, blank=None) -> list[tuple]:
    choices = [(p.pk, str(p)) for p in people]
    return [("", blank), *choices] if blank is not None else choices


class PeopleForm(forms.Form):
    """A form that names people by id, chosen from a list read once by the page."""

    people_fields: tuple[str, ...] = ()

    def __init__(self, *args, people: list[User], zone=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.people = {p.pk: p for p in people}
        for name in self.people_fields:
            field = self.fields[name]
            field.choices = _people(people, blank=None if field.required else _("— nobody —"))

    def full_clean(self):
        # Typed times are the reader's wall-clock times.
        with timezone.override(self.zone or timezone.get_current_timezone()):
            super().full_clean()

    def person(self, name: str) -> User | None:
        return self.people.get(self.cleaned_data.get(name))

    def offer(self, name: str, people: list[User]) -> None:
        """Offer only these people in the field's list (the input is read against all the
        form was given, so a service can refuse someone else with its own words)."""
        field = self.fields[name]
        field.choices = _people(people, blank=None if field.required else _("— nobody —"))

    def only_for(self, person: User) -> None:
        """The form is about the reader alone: their name is sent, not chosen."""
        self.offer("staff", [person])
        self.fields["staff"].widget = forms.HiddenInput()
        if not self.is_bound:
            self.initial["staff"] = person.pk


def _person_field(label, required=True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, coerce=int, required=required, empty_value=None)


class AbsenceForm(PeopleForm):
    people_fields = ("staff",)
    staff = _person_field(_("Who"))
    starts_at = _moment(_("From"))
    ends_at = _moment(_("Until"))
    reason = forms.ChoiceField(label=_("Reason"), choices=AbsenceReason.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ShiftForm(PeopleForm):
    people_fields = ("staff",)
    staff = _person_field(_("Duty manager"))
    starts_at = _moment(_("From"))
    ends_at = _moment(_("Until"))


class WorkingHoursForm(PeopleForm):
    people_fields = ("staff",)
    staff = _person_field(_("Who"))
    calendar = forms.TypedChoiceField(
        label=_("Working hours"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args, calendars: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.calendars = {c.pk: c for c in calendars}
        self.fields["calendar"].choices = [
            ("", _("Any hour (no calendar)")),
            *((c.pk, str(c)) for c in calendars),
        ]

    def chosen_calendar(self):
        return self.calendars.get(self.cleaned_data.get("calendar"))


class ContractOwnersForm(PeopleForm):
    """A contract's TAM and backup TAM (contracts.rules.check_tams decides who may be)."""

    people_fields = ("tam", "backup_tam")
    tam = _person_field(_("TAM"), required=False)
    backup_tam = _person_field(_("Backup TAM"), required=False)

    def __init__(self, *args, contract, **kwargs):
        kwargs.setdefault("auto_id", f"id_contract{contract.pk}_%s")
        kwargs.setdefault("initial", {"tam": contract.tam_id, "backup_tam": contract.backup_tam_id})
        super().__init__(*args, **kwargs)
        self.contract = contract


def owner_choices(contracts: list, candidates: list[User]) -> list[User]:
    """Who the owners forms offer: the candidates, and whoever owns one of these contracts
    now (so a form shows them even if they no longer qualify, and saying so is the rule's)."""
    people = {p.pk: p for p in candidates}
    for contract in contracts:
        for owner in (contract.tam, contract.backup_tam):
            if owner is not None:
                people.setdefault(owner.pk, owner)
    return list(people.values())


def contract_owner_forms(
    contracts: list, candidates: list[User], bound: ContractOwnersForm | None = None
) -> list[ContractOwnersForm]:
    """A form per contract (the one just sent, with its errors, in place of its own)."""
    people = owner_choices(contracts, candidates)
    return [
        bound
        if bound is not None and bound.contract.pk == c.pk
        else ContractOwnersForm(contract=c, people=people)
        for c in contracts
    ]
