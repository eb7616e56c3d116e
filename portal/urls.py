from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("link/", views.link_request, name="link_request"),
    path("p/<str:token>/", views.home, name="home"),
    path("p/<str:token>/sms/", views.sms_preference, name="sms"),
    path("p/<str:token>/letters/<int:letter_id>/rate/", views.rate, name="rate"),
    path("p/<str:token>/letters/<int:letter_id>.pdf", views.letter, name="letter"),
    path("me/", views.me, name="me"),
    path("me/letters/<int:letter_id>/rate/", views.me_rate, name="me_rate"),
    path("me/letters/<int:letter_id>.pdf", views.me_letter, name="me_letter"),
    path("public/", views.public_index, name="public"),
    path("public/sessions/<int:session_id>/", views.public_session, name="public_session"),
    path("public/letters/<int:letter_id>/", views.public_letter_page, name="public_letter"),
    path("public/letters/<int:letter_id>.pdf", views.public_letter_pdf, name="public_letter_pdf"),
]
