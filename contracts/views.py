"""Contract pages: the list and one contract's summary."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render

from contracts.selectors import contract_for_user, contract_summaries, contracts_for_user
from portal.filters import PageForm, query_errors, query_status

PAGE_SIZE = 50


@login_required
def contract_list(request):
    form = PageForm(request.GET)
    errors = query_errors(form)
    contracts = contracts_for_user(request.user).order_by("organization__name", "-ends_on", "pk")
    page = Paginator(contracts, PAGE_SIZE).get_page(form.cleaned_data.get("page"))
    return render(
        request,
        "contracts/contract_list.html",
        {
            "page": page,
            "summaries": contract_summaries(
                list(page.object_list), with_deadlines=not request.user.is_provider_staff
            ),
            "query_errors": errors,
        },
        status=query_status(errors),
    )


@login_required
def contract_detail(request, contract_id: int):
    contract = contract_for_user(request.user, contract_id)
    return render(
        request,
        "contracts/contract_detail.html",
        {"contract": contract, "summary": contract_summaries([contract])[0]},
    )
