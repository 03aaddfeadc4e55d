from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from contracts.models import BusinessCalendar
from contracts.services import calendar_import_holidays


class Command(BaseCommand):
    help = "Add a country's public holidays for a year to a business calendar."

    def add_arguments(self, parser):
        parser.add_argument("calendar_id", type=int)
        parser.add_argument("country", help="ISO 3166-1 alpha-2 code, e.g. ES or VN")
        parser.add_argument("year", type=int)
        parser.add_argument("--subdivision", default=None, help="e.g. MD for Madrid in ES")

    def handle(self, *args, calendar_id, country, year, subdivision, **options):
        calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
        if calendar is None:
            raise CommandError(f"No calendar with id {calendar_id}.")
        try:
            added = calendar_import_holidays(
                calendar=calendar, country=country, year=year, subdivision=subdivision
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        self.stdout.write(
            f"Added {len(added)} holidays of {country.upper()} {year} to {calendar.name}."
        )
        for holiday in added:
            self.stdout.write(f"  {holiday.date} {holiday.name}")
