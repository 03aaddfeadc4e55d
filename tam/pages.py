"""Accounts, people and the rota (being built)."""

from django.http import Http404


def _todo(request, **kwargs):
    raise Http404


my_accounts = portfolio = staff_availability = absence_add = absence_delete = _todo
rota = shift_add = shift_delete = contract_owners = _todo
