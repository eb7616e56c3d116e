from django.urls import path

from proposals import views

app_name = "proposals"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("items/", views.assignment_list, name="list"),
    path("assignments/<int:assignment_id>/", views.assignment_detail, name="assignment"),
    path(
        "assignments/<int:assignment_id>/do/<str:name>/",
        views.assignment_transition,
        name="transition",
    ),
    path("assignments/<int:assignment_id>/reassign/", views.assignment_reassign, name="reassign"),
    path("assignments/<int:assignment_id>/extension/", views.extension_request, name="extension"),
    path("assignments/<int:assignment_id>/withdraw/", views.proposal_withdraw, name="withdraw"),
    path("assignments/<int:assignment_id>/merge/", views.proposal_merge, name="merge"),
    path("extensions/<int:extension_id>/decide/", views.extension_decide, name="extension_decide"),
    path(
        "assignments/<int:assignment_id>/attachments/",
        views.attachment_upload,
        name="attachment_upload",
    ),
    path(
        "assignments/<int:assignment_id>/attachments/<int:attachment_id>/remove/",
        views.attachment_remove,
        name="attachment_remove",
    ),
    path("attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
]
