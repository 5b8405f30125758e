from django.urls import path

from webapp.training import views

urlpatterns = [
    path("", views.training_list, name="training"),
    path("new/", views.new_training, name="training_new"),
    path("preview/", views.config_preview, name="training_preview"),
    path("compare/", views.compare, name="training_compare"),
    path("evaluate/", views.new_evaluation, name="evaluation_new"),
    path("self-rewarding/", views.new_self_rewarding, name="self_rewarding_new"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
    path("lineage/models/<id:pk>/", views.model_lineage, name="lineage_model"),
    path("lineage/datasets/<id:pk>/", views.dataset_lineage, name="lineage_dataset"),
]
