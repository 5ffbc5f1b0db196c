from django.contrib.sitemaps.views import sitemap
from django.urls import URLResolver, path, register_converter

from archive import api, cite, openapi, release_views, snapshot_views, submission_views, views
from archive.caching import cached_public
from archive.feeds import ArchiveFeed
from archive.locale import LanguagePrefix
from archive.sitemaps import SITEMAPS

app_name = "archive"
register_converter(release_views.ReleaseName, "release")

# The pages people read, in every language: English at the bare address, the others under
# their prefix (/de/incidents/katyn/). archive/locale.py says why not i18n_patterns.
pages = [
    path("", cached_public(views.home), name="home"),
    path("about/", cached_public(views.about), name="about"),
    path("timeline/", cached_public(views.timeline), name="timeline"),
    path("map/", cached_public(views.place_map), name="map"),
    path("incidents/", cached_public(views.incident_list), name="incident_list"),
    path("incidents/<slug:slug>/", cached_public(views.incident_detail), name="incident"),
    # Forms with a CSRF token that answer POST: never cached.
    path("incidents/<slug:slug>/suggest/", submission_views.suggest, name="suggest"),
    path("submit/", submission_views.submit, name="submit"),
    path("sources/", cached_public(views.source_list), name="source_list"),
    path("sources/<slug:key>/", cached_public(views.source_detail), name="source"),
    path("perpetrators/<slug:slug>/", cached_public(views.perpetrator_detail), name="perpetrator"),
    path("places/<slug:slug>/", cached_public(views.place_detail), name="place"),
    path("categories/<slug:slug>/", cached_public(views.category_detail), name="category"),
    path("contexts/<slug:slug>/", cached_public(views.context_detail), name="context"),
    path("countries/<slug:slug>/", cached_public(views.country_detail), name="country"),
    path("corrections/", cached_public(views.corrections), name="corrections"),
    path("data/", release_views.data_index, name="data"),
    path("data/releases/<release:name>/", release_views.release_detail, name="release"),
]

# What programs read, and archived copies of sources: one address each, in no language
# (citations, feeds and mirrors keep them; a prefix would only multiply identical answers).
machine = [
    path("incidents/<slug:slug>/cite/<str:style>/", cached_public(cite.cite), name="cite"),
    path("sources/<slug:key>/snapshots/<int:pk>/", snapshot_views.snapshot, name="snapshot"),
    path(
        "sources/<slug:key>/snapshots/<int:pk>.warc.gz",
        snapshot_views.snapshot_warc,
        name="snapshot_warc",
    ),
    path("api/incidents/", cached_public(api.incident_list), name="api_incident_list"),
    path("api/incidents/<slug:slug>/", cached_public(api.incident_item), name="api_incident"),
    path("api/openapi.json", cached_public(openapi.description), name="api_openapi"),
    path("api/changes/", cached_public(api.changes), name="api_changes"),
    path("api/aggregates/", cached_public(api.aggregates), name="api_aggregates"),
    path("data/incidents.csv", api.incidents_csv, name="data_incidents_csv"),
    path("data/estimates.csv", api.estimates_csv, name="data_estimates_csv"),
    path("data/sources.csv", api.sources_csv, name="data_sources_csv"),
    path("data/incidents.json", api.incidents_json, name="data_incidents_json"),
    path("data/incidents.geojson", api.incidents_geojson, name="data_incidents_geojson"),
    path("data/releases/<release:name>.zip", release_views.release_zip, name="release_zip"),
    path("feed/", cached_public(ArchiveFeed()), name="feed"),
    path("sitemap.xml", cached_public(sitemap), {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]

urlpatterns = [URLResolver(LanguagePrefix(), pages), *machine]  # type: ignore[arg-type]
