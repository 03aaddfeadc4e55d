"""The desk: queues, the live fragment, take-next and bulk changes (being built)."""

from django.http import Http404


def _todo(request, **kwargs):
    raise Http404


desk = desk_live = desk_take_next = desk_bulk = _todo
