from django.urls import path

from webapp.pairs import views

urlpatterns = [
    path("", views.pair_list, name="pairs"),
    path("queue/", views.review_queue, name="review_queue"),
    path("agreement/", views.agreement, name="pair_agreement"),
    path("charts/", views.charts, name="pair_charts"),
    path("import/", views.import_view, name="pair_import"),
    path("<id:pk>/", views.pair_detail, name="pair"),
    path("<id:pk>/review/", views.review_pair, name="pair_review"),
]
