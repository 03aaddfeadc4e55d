"""A person's own settings: the time zone their pages show times in (staff)."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.services import user_set_time_zone
from portal.timezones import viewer_zone, zone_choices


class ProfileForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=gettext_lazy("Time zone"),
        required=False,
        help_text=gettext_lazy(
            "Lists, the desk and incident pages show times in this zone. Empty: your "
            "working hours' zone, else UTC."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [
            ("", _("(your working hours' zone, else UTC)")),
            *zone_choices(),
        ]


@login_required
def profile(request):
    user = request.user
    if not user.is_provider_staff:  # customers read their organisation's zone
        raise PermissionDenied(_("Your times are in your organisation's time zone."))
    form = ProfileForm(request.POST or None, initial={"time_zone": user.time_zone})
    if request.method == "POST" and form.is_valid():
        user_set_time_zone(user=user, time_zone=form.cleaned_data["time_zone"])
        messages.success(
            request, _("Times are now shown in %(zone)s.") % {"zone": viewer_zone(user).key}
        )
        return redirect("profile")
    status = 400 if form.is_bound else 200
    context = {"form": form, "zone": viewer_zone(user)}
    return render(request, "portal/profile.html", context, status=status)
