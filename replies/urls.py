from django.urls import path

from replies import views

app_name = "replies"

urlpatterns = [
    path("<int:assignment_id>/draft/", views.draft_edit, name="draft"),
    path("<int:assignment_id>/issue/", views.issue, name="issue"),
    path("<int:assignment_id>/feedback/", views.feedback, name="feedback"),
]
