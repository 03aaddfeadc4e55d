"""The API's default pagination (API.md: cursor-paginated lists).

Kept apart from portal/api.py: DRF imports the default pagination class while it
defines its generic views, so this module must not import them.
"""

from rest_framework.pagination import CursorPagination


class IdCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
