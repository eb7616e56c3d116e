from django.urls import path

from offices import calendar_views
from offices import proposer_views
from offices import register_views
from offices import views

app_name = "office"

urlpatterns = [
    path("board/", views.board_view, name="board"),
    path("board/urge/", views.board_urge_batch, name="urge_batch"),
    path("statistics/", views.statistics_view, name="statistics"),
    path("import/", views.import_view, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("audit/", views.audit_view, name="audit"),
    path("register/", register_views.register_view, name="register"),
    path("calendar/", calendar_views.calendar_view, name="calendar"),
    path("assignments/<int:assignment_id>/contact/", views.contact_record, name="contact"),
    path("ratings/", proposer_views.ratings_view, name="ratings"),
    path("items/<int:proposal_id>/proposers/", proposer_views.proposers_view, name="proposers"),
    path(
        "items/<int:proposal_id>/proposers/<int:person_id>/resend/",
        proposer_views.link_resend,
        name="proposer_resend",
    ),
    path(
        "items/<int:proposal_id>/proposers/<int:person_id>/revoke/",
        proposer_views.link_revoke,
        name="proposer_revoke",
    ),
    path("items/<int:proposal_id>/paper-rating/", proposer_views.paper_rating, name="paper_rating"),
    path("items/<int:proposal_id>/publicity/", proposer_views.publicity, name="publicity"),
]
