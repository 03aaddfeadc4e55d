"""Input rules shared by forms and serializers: text that ends up in a header (an e-mail
subject) stays on one line, and instants stay in the range every time zone can show."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# What str.splitlines() breaks on: any of them would end a header line in some reader.
LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
# The earliest instant the portal takes (a filing back-dated further is a typing error, and
# year 1 cannot be moved into a zone east of UTC).
EARLIEST = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)


def validate_single_line(value: str) -> None:
    if any(c in LINE_BREAKS for c in value):
        raise ValidationError(_("Keep this on one line (no line breaks)."), code="line_break")


def one_line(text: str) -> str:
    """Text for a header: every line break (of rows written before the rule) a space."""
    return " ".join(text.splitlines())


def validate_not_too_early(value: datetime.datetime) -> None:
    if value < EARLIEST:
        raise ValidationError(
            _("Give a time after %(earliest)s.") % {"earliest": EARLIEST.date().isoformat()},
            code="too_early",
        )
