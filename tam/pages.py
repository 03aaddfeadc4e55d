"""The desk's pages about accounts and people: a TAM's accounts, a customer's portfolio, the
staff's availability with their absences and working hours, and a contract's owners.

Every page here is the staff's own (customers find nothing: 404); changes that only a
provider admin makes answer other staff with 403.
"""

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts.models import Contract
from contracts.selectors import contracts_of_organization
from contracts.services import contract_update
from portal.access import organization_for_user, require_provider_admin, staff_only
from portal.filters import PageForm, query_errors, query_status
from portal.models import ApiToken
from portal.tokens import live_tokens, token_revoke, tokens_revocable_by
from portal.views import organization_page
from tam import selectors, services
from tam.availability import zone_of
from tam.forms import AbsenceForm, ContractOwnersForm, WorkingHoursForm, owner_choices
from tam.models import Absence

PAGE_SIZE = 50


def staff_page(view):
    """Signed in, and provider staff: anyone else finds no such page (404)."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        staff_only(request.user)
        return view(request, *args, **kwargs)

    return wrapped


def add_errors(form, exc: ValidationError) -> None:
    """A service's refusal, shown on the field it names (or above the form)."""
    for name, errors in exc.message_dict.items():
        form.add_error(name if name in form.fields else None, errors)


# -- accounts -----------------------------------------------------------------------------


@staff_page
def my_accounts(request):
    form = PageForm(request.GET)
    errors = query_errors(form)
    accounts = selectors.accounts_of(request.user, timezone.now())
    page = Paginator(accounts, PAGE_SIZE).get_page(form.cleaned_data.get("page"))
    context = {"page": page, "query_errors": errors}
    return render(request, "tam/my_accounts.html", context, status=query_status(errors))


@staff_page
def portfolio(request, organization_id: int):
    organization = organization_for_user(request.user, organization_id)
    now = timezone.now()
    context = {
        "portfolio": selectors.portfolio(organization, now),
        "zone": zone_of(request.user),
        "window_days": selectors.SLA_WINDOW.days,
        "now": now,
    }
    return render(request, "tam/portfolio.html", context)


@login_required
def contract_owners(request, organization_id: int, contract_id: int):
    """A provider admin names a contract's TAM and backup TAM, from the organisation page."""
    organization = organization_for_user(request.user, organization_id)
    try:
        contract = contracts_of_organization(organization).get(pk=contract_id)
    except (Contract.DoesNotExist, ValueError):
        raise Http404("No such contract.") from None
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    require_provider_admin(request.user)
    people = owner_choices([contract], list(selectors.tam_candidates()))
    form = ContractOwnersForm(request.POST, contract=contract, people=people)
    if form.is_valid():
        try:
            contract_update(
                contract=contract, tam=form.person("tam"), backup_tam=form.person("backup_tam")
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("The owners of %(contract)s are saved.") % {"contract": contract.tier}
            )
            url = reverse("organization_detail", kwargs={"organization_id": organization.pk})
            return redirect(f"{url}#contract-{contract.pk}")
    return organization_page(request, organization, owners_form=form, status=400)


# -- people -------------------------------------------------------------------------------


def _staff_context(request, *, absence_form=None, hours_form=None) -> dict:
    user = request.user
    now = timezone.now()
    zone = zone_of(user)
    form = PageForm(request.GET)
    errors = query_errors(form)
    people = selectors.active_staff()
    if user.is_provider_admin:  # provider admins revoke anyone's API tokens here
        people = people.prefetch_related(live_tokens())
    page = Paginator(people, PAGE_SIZE).get_page(form.cleaned_data.get("page"))
    everyone = list(selectors.active_staff())
    if absence_form is None:
        absence_form = AbsenceForm(people=everyone, zone=zone, initial={"staff": user.pk})
    if not user.is_provider_admin:
        absence_form.only_for(user)  # staff record their own absences
    context = {
        "page": page,
        "rows": selectors.staff_rows(list(page.object_list), now),
        "zone": zone,
        "absence_form": absence_form,
        "can_admin": user.is_provider_admin,
        "query_errors": errors,
    }
    if user.is_provider_admin:
        context["hours_form"] = hours_form or WorkingHoursForm(
            people=everyone, calendars=list(selectors.calendars())
        )
    return context


def _staff_page(request, status=200, **forms):
    context = _staff_context(request, **forms)
    if status == 200:
        status = query_status(context["query_errors"])
    return render(request, "tam/staff.html", context, status=status)


@staff_page
def staff_availability(request):
    return _staff_page(request)


@staff_page
@require_POST
def absence_add(request):
    """Record an absence: provider admins for anyone, staff for themselves (else 403)."""
    user = request.user
    people = list(selectors.active_staff())
    form = AbsenceForm(request.POST, people=people, zone=zone_of(user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            absence = services.absence_save(
                actor=user,
                staff=form.person("staff"),
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                reason=data["reason"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("The absence of %(person)s is recorded.") % {"person": absence.staff}
            )
            return redirect("staff_availability")
    return _staff_page(request, status=400, absence_form=form)


@staff_page
@require_POST
def absence_delete(request, absence_id: int):
    try:
        absence = Absence.objects.select_related("staff").get(pk=absence_id)
    except (Absence.DoesNotExist, ValueError):
        raise Http404("No such absence.") from None
    services.absence_delete(actor=request.user, absence=absence)
    messages.success(
        request, _("The absence of %(person)s is withdrawn.") % {"person": absence.staff}
    )
    return redirect("staff_availability")


@staff_page
@require_POST
def working_hours(request):
    """A provider admin sets whose working hours follow which calendar (or none)."""
    require_provider_admin(request.user)
    form = WorkingHoursForm(
        request.POST,
        people=list(selectors.active_staff()),
        calendars=list(selectors.calendars()),
    )
    if form.is_valid():
        person = form.person("staff")
        try:
            services.working_hours_set(staff=person, calendar=form.chosen_calendar())
        except ValidationError as exc:
            add_errors(form, exc)
        else:
            messages.success(
                request, _("The working hours of %(person)s are saved.") % {"person": person}
            )
            return redirect("staff_availability")
    return _staff_page(request, status=400, hours_form=form)


@staff_page
@require_POST
def staff_token_revoke(request, staff_id: int, token_id: int):
    """A provider admin revokes a staff member's API token (other staff: 403)."""
    require_provider_admin(request.user)
    try:
        token = tokens_revocable_by(request.user).get(
            pk=token_id, user_id=staff_id, user__in=selectors.active_staff()
        )
    except ApiToken.DoesNotExist:
        raise Http404("No such token.") from None
    token_revoke(token=token)
    messages.success(
        request,
        _("The token “%(name)s” of %(person)s is revoked.")
        % {"name": token.name, "person": token.user},
    )
    return redirect(f"{reverse('staff_availability')}#staff-{staff_id}")
