from django.urls import path

from offices import calendar_views
from offices import register_views
from offices import views

app_name = "office"

urlpatterns = [
    path("board/", views.board_view, name="board"),
    path("statistics/", views.statistics_view, name="statistics"),
    path("import/", views.import_view, name="import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("audit/", views.audit_view, name="audit"),
    path("register/", register_views.register_view, name="register"),
    path("calendar/", calendar_views.calendar_view, name="calendar"),
    path("assignments/<int:assignment_id>/contact/", views.contact_record, name="contact"),
]
