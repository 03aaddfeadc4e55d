from django.urls import path

from incidents import patch_views, sample_views, stage_views, views

urlpatterns = [
    path("", views.incident_list, name="incident_list"),
    path("new/", views.incident_new, name="incident_new"),
    path("new/promise/", views.incident_promise, name="incident_promise"),
    path("new/version/", patch_views.version_notice, name="incident_version_notice"),
    path("<int:incident_id>/", views.incident_detail, name="incident_detail"),
    path("<int:incident_id>/reply/", views.incident_reply, name="incident_reply"),
    path("<int:incident_id>/status/", views.incident_status, name="incident_status"),
    path("<int:incident_id>/update/", views.incident_update, name="incident_update"),
    path("<int:incident_id>/stage/", stage_views.incident_stage, name="incident_stage"),
    path("<int:incident_id>/files/", views.attachment_upload, name="attachment_upload"),
    path(
        "<int:incident_id>/files/<int:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "<int:incident_id>/files/<int:attachment_id>/analysis/",
        sample_views.sample_analysis,
        name="sample_analysis",
    ),
]
