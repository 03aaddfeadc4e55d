import datetime

import factory
from django.utils import timezone

from contracts.models import BusinessCalendar, CalendarWindow, Contract, Tier
from incidents.models import Incident
from incidents.services import incident_file
from portal.models import MemberRole, Membership, Organization, StaffRole, User

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    staff_role = StaffRole.ENGINEER


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organization

    name = factory.Sequence(lambda n: f"Customer {n}")
    timezone = "Europe/Madrid"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    organization = factory.SubFactory(OrganizationFactory)
    user = factory.SubFactory(UserFactory)
    role = MemberRole.MEMBER


class CalendarFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BusinessCalendar
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Calendar {n}")
    timezone = "Europe/Madrid"

    @factory.post_generation
    def office_hours(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            for weekday in range(5):
                CalendarWindow.objects.create(
                    calendar=obj,
                    weekday=weekday,
                    start=datetime.time(9),
                    end=datetime.time(17),
                )


class TierFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tier

    code = factory.Sequence(lambda n: f"tier-{n}")
    name = factory.Sequence(lambda n: f"Tier {n}")


class ContractFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contract

    organization = factory.SubFactory(OrganizationFactory)
    tier = factory.LazyFunction(lambda: Tier.objects.get(code="msa-enterprise"))
    calendar = factory.SubFactory(CalendarFactory)
    # Wide enough for today and for the fixed instants tests travel to (no time bomb).
    starts_on = factory.LazyFunction(
        lambda: min(timezone.localdate() - datetime.timedelta(days=30), datetime.date(2026, 1, 1))
    )
    ends_on = factory.LazyFunction(
        lambda: max(
            timezone.localdate() + datetime.timedelta(days=335), datetime.date(2027, 12, 31)
        )
    )
    licence_type = "standard"


class IncidentFactory(factory.django.DjangoModelFactory):
    """An incident filed through the real service, as a customer or staff member files one.

    `incident_file` writes the number, clocks, events, acknowledgement and ledger rows a
    test would otherwise have to fake. Every keyword other than the four below goes to it
    unchanged (organization, premium, channel, received_at, kind, uploads...), so
    refusals raise here just as they do in production.
    """

    class Meta:
        model = Incident

    # Who files decides the organisation, the channel and what may be set: no default.
    actor = None
    title = factory.Sequence(lambda n: f"Incident {n}")
    description = factory.Sequence(lambda n: f"What happened, part {n}.")
    severity = 2

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if kwargs.get("actor") is None:
            raise TypeError("IncidentFactory needs actor=: a customer contact or a staff user")
        return incident_file(**kwargs)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("IncidentFactory only creates: an incident exists once it is filed")
