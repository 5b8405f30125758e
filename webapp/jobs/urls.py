from django.urls import path

from webapp.jobs import views

urlpatterns = [
    path("", views.job_list, name="jobs"),
    path("check/", views.worker_check, name="worker_check"),
    path("<int:pk>/", views.job_detail, name="job_detail"),
    path("<int:pk>/state/", views.job_state, name="job_state"),
    path("<int:pk>/cancel/", views.job_cancel, name="job_cancel"),
    path("<int:pk>/retry/", views.job_retry, name="job_retry"),
]
