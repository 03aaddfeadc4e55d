from django.urls import path

from incidents import alert_views
from incidents.alert_feed import AlertFeed

urlpatterns = [
    path("", alert_views.alert_list, name="alert_list"),
    path("new/", alert_views.alert_new, name="alert_new"),
    # Read by feed readers without logging in: the key is the secret.
    path("feed/<str:key>/", AlertFeed(), name="alert_feed"),
    path("<int:alert_id>/", alert_views.alert_detail, name="alert_detail"),
    path("<int:alert_id>/read/", alert_views.alert_read, name="alert_read"),
    path("<int:alert_id>/edit/", alert_views.alert_edit, name="alert_edit"),
    path("<int:alert_id>/publish/", alert_views.alert_publish, name="alert_publish"),
]
