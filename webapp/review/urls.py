from django.urls import path

from webapp.review import views

urlpatterns = [
    path("", views.pair_list, name="pairs"),
    path("queue/", views.review_queue, name="review_queue"),
    path("agreement/", views.agreement, name="pair_agreement"),
    path("charts/", views.charts, name="pair_charts"),
    path("export/", views.export_pairs, name="pair_export"),
    path("import/", views.import_view, name="pair_import"),
    path("datasets/", views.dataset_list, name="datasets"),
    path("datasets/<int:pk>/", views.dataset_detail, name="dataset"),
    path("datasets/<int:pk>/download/", views.dataset_download, name="dataset_download"),
    path("<int:pk>/", views.pair_detail, name="pair"),
    path("<int:pk>/review/", views.review_pair, name="pair_review"),
]
