from django.urls import path

from webapp.constitutions import views

urlpatterns = [
    path("", views.constitution_list, name="constitutions"),
    path("new/", views.new, name="constitution_new"),
    path("new/yaml/", views.edit_yaml, name="constitution_new_yaml"),
    path("import/", views.import_view, name="constitution_import"),
    path("markdown/", views.markdown_preview, name="markdown_preview"),
    path("version/<int:version_id>/preview/", views.version_preview, name="version_preview"),
    path("<int:pk>/", views.constitution_detail, name="constitution"),
    path("<int:pk>/edit/", views.edit, name="constitution_edit"),
    path("<int:pk>/yaml/", views.edit_yaml, name="constitution_yaml"),
    path("<int:pk>/resolve/", views.resolve_conflict, name="constitution_resolve"),
    path("<int:pk>/history/", views.history, name="constitution_history"),
    path("<int:pk>/diff/", views.diff_view, name="constitution_diff"),
    path("<int:pk>/delete/", views.delete, name="constitution_delete"),
    path("<int:pk>/v<int:number>/export.yaml", views.export, name="constitution_export"),
    path("<int:pk>/v<int:number>/fork/", views.fork, name="constitution_fork"),
    path("<int:pk>/v<int:number>/restore/", views.restore, name="constitution_restore"),
    path("<int:pk>/v<int:number>/preview/", views.prompt_preview, name="constitution_preview"),
]
