"""The examples of the API description (``archive.openapi``): the seed content's Katyn
massacre as the API gives it."""

from __future__ import annotations

KATYN_SUMMARY = {
    "slug": "katyn-massacre",
    "url": "https://archive.example.org/incidents/katyn-massacre/",
    "api_url": "https://archive.example.org/api/incidents/katyn-massacre/",
    "title": "Katyn massacre",
    "summary": "In April and May 1940 the NKVD summarily executed over 20,000 Polish military "
    "officers held as prisoners, together with members of the Polish intelligentsia.",
    "date": "1940-04/1940-05",
    "date_text": "April and May 1940",
    "date_earliest": "1940-04-01",
    "date_latest": "1940-05-31",
    "places": ["Katyn"],
    "countries": ["Russia"],
    "categories": ["killing of prisoners of war", "massacre", "summary execution"],
    "perpetrators": ["NKVD"],
    "context": "Soviet occupation of eastern Poland (1939–1941)",
    "conflicting_estimates": False,
    "version": 1,
    "published_at": "2026-11-30T12:00:00+00:00",
    "languages": {"title": "en", "summary": "en", "description": "en", "date_text": "en"},
    "translation": None,
}

KATYN_SOURCE = {
    "key": "wikipedia-soviet-war-crimes",
    "kind": "web_page",
    "authors": "",
    "title": "Soviet war crimes",
    "container": "Wikipedia",
    "year": None,
    "publisher": "",
    "place": "",
    "isbn": "",
    "doi": "",
    "url": "https://en.wikipedia.org/wiki/Soviet_war_crimes",
    "archived_url": "",
    "language": "en",
}

KATYN_DETAIL = {
    **KATYN_SUMMARY,
    "description": "The NKVD carried out mass summary executions of Polish officers who were "
    "being held as prisoners and of members of the Polish intelligentsia in the spring of "
    "1940. The article puts the number of victims at over 20,000.",
    "places": [
        {
            "name": "Katyn",
            "slug": "katyn",
            "alternative_names": ["Katyń"],
            "country": "Russia",
            "region": "Smolensk region",
            "latitude": 54.77,
            "longitude": 31.79,
            "coordinate_precision": "settlement",
        }
    ],
    "perpetrators": [{"name": "NKVD", "slug": "nkvd", "parent": None}],
    "victim_groups": ["Polish intelligentsia", "Polish prisoners of war"],
    "headline": [
        {
            "measure": "killed",
            "low": 20000,
            "high": None,
            "low_open": False,
            "high_open": True,
            "text": "over 20,000 killed",
        }
    ],
    "estimates": [
        {
            "ref": "katyn-killed-1",
            "measure": "killed",
            "low": 20000,
            "best": None,
            "high": None,
            "qualifier": "over",
            "as_written": "over 20,000",
            "claimant": 'Wikipedia article "Soviet war crimes" (unattributed)',
            "claimant_position": "unknown",
            "claim_year": None,
            "assessment": "accepted",
            "assessment_reason": "",
            "verified": True,
            "source": "wikipedia-soviet-war-crimes",
            "locator": "World War II",
            "quote": "summarily executing over 20,000 Polish military officer prisoners and "
            "intelligentsia in April and May 1940",
            "citations": [],
            "scope": "",
            "part_of": None,
            "share_low": None,
            "share_high": None,
            "share_of": None,
            "per": None,
            "provenance": {
                "citation": {
                    "source": "wikipedia-soviet-war-crimes",
                    "locator": "World War II",
                    "quote": "summarily executing over 20,000 Polish military officer "
                    "prisoners and intelligentsia in April and May 1940",
                },
                "snapshot": {
                    "url": "https://archive.example.org/sources/wikipedia-soviet-war-crimes/"
                    "snapshots/1/",
                    "sha256": "5f0c2b7a3c1e8d9f4a6b2c0d7e1f3a5b9c8d6e4f2a0b1c3d5e7f9a8b6c4d2e0f",
                    "captured_at": "2026-11-30T12:00:00+00:00",
                },
                "verified": {"at": "2026-11-30T11:00:00+00:00", "by_role": "reviewer"},
            },
        }
    ],
    "citations": [
        {
            "source": "wikipedia-soviet-war-crimes",
            "locator": "World War II",
            "quote": "",
            "note": "Primary reference for this incident",
        }
    ],
    "sources": [KATYN_SOURCE],
    "proceedings": [],
    "related": ["murder-of-polish-prisoners-of-war-1939"],
    "corrections": [],
}
