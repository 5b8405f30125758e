from django.urls import path

from webapp.datasets import views

urlpatterns = [
    path("export/", views.export_pairs, name="pair_export"),
    path("datasets/", views.dataset_list, name="datasets"),
    path("datasets/<id:pk>/", views.dataset_detail, name="dataset"),
    path("datasets/<id:pk>/download/", views.dataset_download, name="dataset_download"),
    path("datasets/<id:pk>/judge/", views.judge_dataset, name="dataset_judge"),
]
