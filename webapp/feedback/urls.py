from django.urls import path

from webapp.feedback import views

urlpatterns = [
    path("new/", views.new_run, name="feedback_new"),
    path("preview/", views.judge_preview, name="feedback_preview"),
    path("judges/", views.judges, name="judges"),
    path("judges/<id:pk>/", views.judge_report, name="judge_report"),
    path("judges/<id:pk>/recommend", views.recommend_judge, name="recommend_judge"),
]
