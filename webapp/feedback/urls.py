from django.urls import path

from webapp.feedback import views

urlpatterns = [
    path("new/", views.new_run, name="feedback_new"),
    path("preview/", views.judge_preview, name="feedback_preview"),
]
