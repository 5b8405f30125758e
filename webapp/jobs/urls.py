from django.urls import path

from webapp.jobs import views

urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("check/", views.worker_check, name="worker_check"),
    path("<id:pk>/", views.job_detail, name="job_detail"),
    path("<id:pk>/state/", views.job_state, name="job_state"),
    path("<id:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("<id:pk>/retry/", views.job_retry, name="job_retry"),
]
