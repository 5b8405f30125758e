from django.urls import path

from webapp.playground import views

urlpatterns = [
    path("", views.playground, name="playground"),
    path("<id:pk>/", views.chat, name="playground_chat"),
    path("<id:pk>/keep/", views.keep, name="playground_keep"),
]
