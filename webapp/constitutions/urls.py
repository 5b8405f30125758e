from django.urls import path

from webapp.constitutions import views

urlpatterns = [
    path("", views.constitution_list, name="constitutions"),
    path("new/", views.new, name="constitution_new"),
    path("new/yaml/", views.edit_yaml, name="constitution_new_yaml"),
    path("import/", views.import_view, name="constitution_import"),
    path("markdown/", views.markdown_preview, name="markdown_preview"),
    path("version/<id:version_id>/preview/", views.version_preview, name="version_preview"),
    path("<id:pk>/", views.constitution_detail, name="constitution"),
    path("<id:pk>/edit/", views.edit, name="constitution_edit"),
    path("<id:pk>/yaml/", views.edit_yaml, name="constitution_yaml"),
    path("<id:pk>/resolve/", views.resolve_conflict, name="constitution_resolve"),
    path("<id:pk>/history/", views.history, name="constitution_history"),
    path("<id:pk>/diff/", views.diff_view, name="constitution_diff"),
    path("<id:pk>/delete/", views.delete, name="constitution_delete"),
    path("<id:pk>/v<id:number>/export.yaml", views.export, name="constitution_export"),
    path("<id:pk>/v<id:number>/fork/", views.fork, name="constitution_fork"),
    path("<id:pk>/v<id:number>/restore/", views.restore, name="constitution_restore"),
    path("<id:pk>/v<id:number>/preview/", views.prompt_preview, name="constitution_preview"),
]
