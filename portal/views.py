"""Pages of the tenancy core: home, organisations and their contacts."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from contracts.selectors import contact_limit, contract_summaries, contracts_of_organization
from incidents.selectors.alerts import unread_alerts
from portal.access import (
    can_manage_contacts,
    organization_for_user,
    organization_of,
    require_contact_manager,
    require_not_self,
    require_provider_staff,
)
from portal.errors import ContractRuleError
from portal.filters import PageForm, query_errors, query_status
from portal.forms import ContactEditForm, ContactForm
from portal.models import ApiToken, Membership
from portal.rules import organization_zone
from portal.selectors import members_of, organizations_with_counts
from portal.services import member_add, member_remove, member_update, organization_set_mfa
from portal.tokens import live_tokens, token_revoke, tokens_revocable_by
from tam.availability import zone_of
from tam.forms import contract_owner_forms
from tam.selectors import tam_candidates

PAGE_SIZE = 50


@login_required
def home(request):
    """Staff start on the desk; a customer contact on their organisation."""
    if request.user.is_provider_staff:
        return redirect("desk")
    organization = organization_of(request.user)
    if organization is None:
        return render(request, "portal/no_organization.html")
    return redirect("organization_detail", organization_id=organization.pk)


@login_required
def organization_list(request):
    require_provider_staff(request.user)
    form = PageForm(request.GET)
    errors = query_errors(form)
    page = Paginator(
        organizations_with_counts(request.user).order_by("name", "pk"), PAGE_SIZE
    ).get_page(form.cleaned_data.get("page"))
    context = {"page": page, "query_errors": errors}
    return render(request, "portal/organization_list.html", context, status=query_status(errors))


def _contacts_context(request, organization, form=None, error=None, notice=None):
    can_manage = can_manage_contacts(request.user, organization)
    members = members_of(organization)
    limit = contact_limit(organization)
    if can_manage:  # who manages the contacts revokes their API tokens
        members = members.prefetch_related(live_tokens("user__api_tokens"))
    members = list(members)
    # The tokens' times: the organisation's zone for its admin, a provider admin's own.
    staff_viewer = can_manage and request.user.is_provider_staff
    zone = zone_of(request.user) if staff_viewer else organization_zone(organization)
    return {
        "organization": organization,
        "members": members,
        "contact_limit": limit,
        # At the limit the add form is not offered (the card says why instead).
        "at_limit": limit is not None and len(members) >= limit,
        "can_manage": can_manage,
        "zone": zone,
        "form": form or ContactForm(),
        "error": error,
        "notice": notice,
    }


def organization_page(
    request, organization, *, owners_form=None, contacts: dict | None = None, status: int = 200
):
    """The organisation's page; a form sent back with its errors is shown in place:
    `owners_form` a contract's owners (tam.pages.contract_owners), `contacts` the contact
    form and refusal (contact_add)."""
    contracts = list(contracts_of_organization(organization))
    context = _contacts_context(request, organization, **(contacts or {}))
    context["contracts"] = contract_summaries(contracts)
    # Staff see who owns each contract; provider admins change it there.
    context["show_owners"] = request.user.is_provider_staff
    # A contact's home page: the malware alerts they have not read, until they read them.
    context["unread_alerts"] = unread_alerts(request.user)
    if request.user.is_provider_admin:
        context["owner_forms"] = contract_owner_forms(
            contracts, list(tam_candidates()), bound=owners_form
        )
    return render(request, "portal/organization_detail.html", context, status=status)


@login_required
def organization_detail(request, organization_id: int):
    return organization_page(request, organization_for_user(request.user, organization_id))


@login_required
@require_POST
def contact_add(request, organization_id: int):
    organization = organization_for_user(request.user, organization_id)
    require_contact_manager(request.user, organization)
    form = ContactForm(request.POST)
    error = notice = None
    status = 200
    if form.is_valid():
        try:
            membership = member_add(
                organization=organization,
                email=form.cleaned_data["email"],
                full_name=form.cleaned_data["full_name"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
            notice = _(
                "%(email)s is a contact of %(organization)s now and receives an e-mail "
                "to choose a password."
            ) % {"email": membership.user.email, "organization": organization.name}
            form = None
        except ContractRuleError as exc:
            error, status = exc.detail, 409
        except ValidationError as exc:
            for field, problems in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, problems)
            status = 400
    else:
        status = 400
    if not request.htmx:
        if status == 200:
            messages.success(request, notice)
            return _contacts_redirect(organization)
        contacts = {"form": form, "error": error}
        return organization_page(request, organization, contacts=contacts, status=status)
    # htmx swaps the contacts card in place; the outcome is shown inside it.
    context = _contacts_context(request, organization, form=form, error=error, notice=notice)
    return render(request, "portal/_contacts.html", context, status=200)


def _contacts_redirect(organization):
    url = reverse("organization_detail", kwargs={"organization_id": organization.pk})
    return redirect(f"{url}#contacts")


def _contact_of(organization, membership_id) -> Membership:
    try:
        return members_of(organization).get(pk=membership_id)
    except (Membership.DoesNotExist, ValueError):
        raise Http404("No such contact.") from None


@login_required
def contact_edit(request, organization_id: int, membership_id: int):
    """The customer admin (or a provider admin) changes a contact's name and role."""
    organization = organization_for_user(request.user, organization_id)
    membership = _contact_of(organization, membership_id)
    require_contact_manager(request.user, organization)
    initial = {"full_name": membership.user.full_name, "role": membership.role}
    form = ContactEditForm(request.POST or None, initial=initial)
    error, status = None, 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                member_update(membership=membership, **form.cleaned_data)
            except ContractRuleError as exc:
                error, status = exc.detail, 409
            else:
                messages.success(
                    request, _("%(email)s is saved.") % {"email": membership.user.email}
                )
                return _contacts_redirect(organization)
    context = {"organization": organization, "membership": membership, "form": form}
    context["error"] = error
    return render(request, "portal/contact_edit.html", context, status=status)


def not_found(request):
    raise Http404


@login_required
@require_POST
def contact_remove(request, organization_id: int, membership_id: int):
    organization = organization_for_user(request.user, organization_id)
    membership = _contact_of(organization, membership_id)
    require_contact_manager(request.user, organization)
    require_not_self(request.user, membership)
    try:
        member_remove(membership=membership)
    except ContractRuleError as exc:
        if request.htmx:  # the refusal inside the card htmx swaps in
            context = _contacts_context(request, organization, error=exc.detail)
            return render(request, "portal/_contacts.html", context)
        contacts = {"error": exc.detail}
        return organization_page(request, organization, contacts=contacts, status=409)
    if request.htmx:
        return render(request, "portal/_contacts.html", _contacts_context(request, organization))
    return redirect("organization_detail", organization_id=organization.pk)


@login_required
@require_POST
def organization_mfa(request, organization_id: int):
    """The customer admin (or a provider admin) requires a second factor of its members."""
    organization = organization_for_user(request.user, organization_id)
    require_contact_manager(request.user, organization)
    organization_set_mfa(organization=organization, required=request.POST.get("required") == "1")
    return redirect("organization_detail", organization_id=organization.pk)


@login_required
@require_POST
def contact_token_revoke(request, organization_id: int, membership_id: int, token_id: int):
    """The customer admin (or a provider admin) revokes a contact's API token."""
    organization = organization_for_user(request.user, organization_id)
    membership = _contact_of(organization, membership_id)
    try:
        token = ApiToken.objects.select_related("user").get(pk=token_id, user_id=membership.user_id)
    except ApiToken.DoesNotExist:
        raise Http404("No such token.") from None
    # Within the organisation, a member is refused (403); only its admin revokes.
    require_contact_manager(request.user, organization)
    if not tokens_revocable_by(request.user).filter(pk=token.pk).exists():
        raise PermissionDenied(_("Only the organisation's admin revokes a contact's token."))
    token_revoke(token=token)
    messages.success(
        request,
        _("The token “%(name)s” of %(person)s is revoked.")
        % {"name": token.name, "person": membership.user.email},
    )
    url = reverse("organization_detail", kwargs={"organization_id": organization.pk})
    return redirect(f"{url}#contacts")
