"""Who is knocking, and the answer once they are locked out (django-axes' callables).

One lockout covers every way in: the login page, the token endpoint and the admin's
login. It counts failures per account and per client address in the shared cache.
"""

from axes.helpers import get_cool_off
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

# The names a login form or a token request gives the address under.
_USERNAME_FIELDS = ("email", "login", "username")


def lockout_username(request: HttpRequest, credentials: dict | None) -> str | None:
    """The account being tried, whichever form named it, in the case logins ignore."""
    sources = [credentials or {}, getattr(request, "POST", {}) or {}]
    for source in sources:
        for field in _USERNAME_FIELDS:
            value = source.get(field)
            if isinstance(value, str) and value.strip():
                return value.strip().lower()
    return None


def lockout_message() -> str:
    return _("Too many failed attempts to log in. Try again in %(minutes)s minutes.") % {
        "minutes": lockout_minutes()
    }


def lockout_minutes() -> int:
    return max(1, round(get_cool_off().total_seconds() / 60))


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """429 with Retry-After: a JSON `{"detail"}` on the API, a page elsewhere."""
    retry_after = str(int(get_cool_off().total_seconds()))
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse({"detail": lockout_message()}, status=429)
    else:
        response = render(
            request,
            "portal/locked_out.html",
            {"message": lockout_message()},
            status=429,
        )
    response["Retry-After"] = retry_after
    return response
