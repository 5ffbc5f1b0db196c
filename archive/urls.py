from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("archive.public_urls")),
]

handler404 = "archive.views.not_found"
