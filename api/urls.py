from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.api_docs, name="docs"),
    path("auth/token/", views.TokenObtainApi.as_view(), name="token"),
    path("auth/logout/", views.TokenRevokeApi.as_view(), name="token_revoke"),
    path("proposals/", views.ProposalListApi.as_view(), name="proposal_list"),
    path("proposals/<int:proposal_id>/", views.ProposalDetailApi.as_view(), name="proposal"),
    path("assignments/", views.AssignmentListApi.as_view(), name="assignment_list"),
    path(
        "assignments/<int:assignment_id>/", views.AssignmentDetailApi.as_view(), name="assignment"
    ),
    path(
        "assignments/<int:assignment_id>/transitions/<str:name>/",
        views.AssignmentTransitionApi.as_view(),
        name="transition",
    ),
    path(
        "assignments/<int:assignment_id>/reply/",
        views.AssignmentReplyApi.as_view(),
        name="reply",
    ),
    path("letters/", views.LetterListApi.as_view(), name="letter_list"),
    path("letters/<int:letter_id>/", views.LetterDetailApi.as_view(), name="letter"),
    path("letters/<int:letter_id>/pdf/", views.LetterPdfApi.as_view(), name="letter_pdf"),
]
