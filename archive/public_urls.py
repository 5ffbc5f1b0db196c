from django.urls import path

from archive import views

app_name = "archive"

urlpatterns = [
    path("", views.home, name="home"),
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/<slug:slug>/", views.incident_detail, name="incident"),
    path("sources/", views.source_list, name="source_list"),
    path("sources/<slug:key>/", views.source_detail, name="source"),
    path("perpetrators/<slug:slug>/", views.perpetrator_detail, name="perpetrator"),
    path("places/<slug:slug>/", views.place_detail, name="place"),
    path("categories/<slug:slug>/", views.category_detail, name="category"),
    path("corrections/", views.corrections, name="corrections"),
    path("robots.txt", views.robots_txt, name="robots"),
]
