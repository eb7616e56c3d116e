from django.urls import path

from replies import editor_views
from replies import pdf_views
from replies import views

app_name = "replies"

urlpatterns = [
    path("<int:assignment_id>/draft/", views.draft_edit, name="draft"),
    path("<int:assignment_id>/submit/", views.submit, name="submit"),
    path("<int:assignment_id>/issue/", views.issue, name="issue"),
    path("<int:assignment_id>/feedback/", views.feedback, name="feedback"),
    path("<int:assignment_id>/similar/", editor_views.similar_paragraphs, name="similar"),
    path("<int:assignment_id>/review/", editor_views.review, name="review"),
    path("policies/", editor_views.policy_search, name="policies"),
    path("<int:assignment_id>/preview.pdf", pdf_views.preview, name="preview"),
    path("letters/<int:letter_id>.pdf", pdf_views.letter_pdf_download, name="letter_pdf"),
    path("sessions/", pdf_views.session_list, name="sessions"),
    path("sessions/<int:session_id>/letters.zip", pdf_views.session_zip, name="session_zip"),
]
