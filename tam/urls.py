from django.urls import path

from tam import pages, rota_pages, views

urlpatterns = [
    # The desk (tam/views.py).
    path("", views.desk, name="desk"),
    path("live/", views.desk_live, name="desk_live"),
    path("take-next/", views.desk_take_next, name="desk_take_next"),
    path("bulk/", views.desk_bulk, name="desk_bulk"),
    # Accounts, people and the rota (tam/pages.py, tam/rota_pages.py).
    path("accounts/", pages.my_accounts, name="my_accounts"),
    path("accounts/<int:organization_id>/", pages.portfolio, name="portfolio"),
    path("staff/", pages.staff_availability, name="staff_availability"),
    path("staff/absences/", pages.absence_add, name="absence_add"),
    path("staff/absences/<int:absence_id>/delete/", pages.absence_delete, name="absence_delete"),
    path("staff/hours/", pages.working_hours, name="working_hours"),
    path(
        "staff/<int:staff_id>/tokens/<int:token_id>/revoke/",
        pages.staff_token_revoke,
        name="staff_token_revoke",
    ),
    path("rota/", rota_pages.rota, name="rota"),
    path("rota/shifts/", rota_pages.shift_add, name="shift_add"),
    path("rota/shifts/<int:shift_id>/delete/", rota_pages.shift_delete, name="shift_delete"),
]
