"""The "API tokens" page: make a named token (its key shown once), list and revoke one's own."""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from portal.access import organization_of
from portal.models import ApiToken
from portal.rules import organization_zone
from portal.tokens import token_create, token_revoke, tokens_of, tokens_revocable_by
from tam.availability import zone_of


class TokenForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What it is for."))


def _viewer_zone(user):
    organization = organization_of(user)
    return organization_zone(organization) if organization else zone_of(user)


@login_required
def api_tokens(request):
    form, key, status = TokenForm(), None, 200
    if request.method == "POST":
        form = TokenForm(request.POST)
        if form.is_valid():
            _token, key = token_create(user=request.user, name=form.cleaned_data["name"])
            form = TokenForm()
        else:
            status = 400
    context = {
        "tokens": tokens_of(request.user),
        "form": form,
        "new_key": key,  # shown in this answer only: the portal keeps its hash
        "zone": _viewer_zone(request.user),
        "token_days": settings.PORTAL_API_TOKEN_DAYS,
    }
    return render(request, "portal/api_tokens.html", context, status=status)


@login_required
@require_POST
def api_token_revoke(request, token_id: int):
    try:
        token = tokens_revocable_by(request.user).get(pk=token_id)
    except ApiToken.DoesNotExist:
        raise Http404("No such token.") from None
    token_revoke(token=token)
    return redirect("api_tokens")
