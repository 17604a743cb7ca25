"""Upstream django-helpdesk 2.6.1 at the root (/login/, /api/tickets/, ...), the admin, and media files."""
from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

urlpatterns = [
    path("admin/", admin.site.urls),
    # No auth, even with DEBUG off: acceptable only because the server listens on loopback.
    re_path(r"^media/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT}),
    path("", include("helpdesk.urls", namespace="helpdesk")),
]
