from django.urls import path

from webapp.prompts import views

urlpatterns = [
    path("", views.prompt_set_list, name="prompt_sets"),
    path("<id:pk>/", views.prompt_set_detail, name="prompt_set"),
    path("<id:pk>/split/", views.split_set, name="prompt_set_split"),
    path("sample/", views.sample_new, name="sample_new"),
    path("import/", views.import_prompts, name="prompt_import"),
    path("synthesize/", views.synthesize_new, name="prompt_synthesize"),
]
