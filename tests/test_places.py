"""Place resolution: readers' names only, regions and abbreviations, article context."""

from __future__ import annotations

import pytest

from searchsvc.entities import annotate_article, extract_entities
from searchsvc.entities.places import PlaceQuery, resolve_places
from searchsvc.entities.resources import abbreviations, gazetteer
from searchsvc.models import Entity


def resolve(*names: str) -> list[tuple[str | None, str | None]]:
    """Resolve plain names as one article; return (country code, kind) per name."""
    from searchsvc.entities.normalize import name_key

    out = resolve_places([PlaceQuery(name_key(n), n) for n in names])
    return [(c.country_code, c.kind) if c else (None, None) for c in out]


def country(name: str, *context: str) -> str | None:
    """Return the country of ``name`` in an article that also names ``context``."""
    return resolve(name, *context)[0][0]


def located(ents: list[Entity], text: str) -> Entity:
    """Return the location entity written as ``text``."""
    return next(e for e in ents if e.text == text and e.label == "location")


# --------------------------------------------------------------------- gazetteer names


def test_alternate_names_in_other_languages_are_not_keys() -> None:
    gaz = gazetteer()
    assert "casablanca" in gaz
    assert "white house" not in gaz  # one of Casablanca's GeoNames alternate names
    assert "paganini" not in gaz and "artemis" not in gaz


def test_short_form_and_english_names_are_keys() -> None:
    assert any(c.name == "Frankfurt am Main" and not c.exact for c in gazetteer()["frankfurt"])
    assert any(c.name == "Köln" for c in gazetteer()["cologne"])
    assert any(c.kind == "region" and c.country_code == "DE" for c in gazetteer()["bavaria"])


def test_abbreviations_are_case_sensitive_and_weak_ones_marked() -> None:
    table = abbreviations()
    assert table["Ky."].region.name == "Kentucky" and not table["Ky."].weak
    assert table["B.C."].region.country_code == "CA" and not table["B.C."].weak
    assert table["NSW"].region.country_code == "AU" and not table["NSW"].weak
    assert table["IN"].weak and table["Ga."].weak and table["Mass."].weak
    assert "in" not in table and "Ky" not in table


# --------------------------------------------------------------------- resolution


def test_frankfurt_is_frankfurt_am_main() -> None:
    assert country("Frankfurt") == "DE"
    assert country("Frankfurt", "Dublin") == "DE"


def test_first_level_regions_resolve_to_their_country() -> None:
    assert resolve("Alberta", "Queensland", "Kentucky") == [
        ("CA", "region"),
        ("AU", "region"),
        ("US", "region"),
    ]


def test_famous_place_wins_without_context() -> None:
    assert country("London") == "GB"
    assert country("Glasgow") == "GB"
    assert country("Paris") == "FR"
    assert country("Edmonton") == "CA"


def test_the_articles_other_places_decide() -> None:
    assert country("London", "Ontario", "Toronto") == "CA"
    assert country("Victoria", "British Columbia") == "CA"
    assert country("Edmonton", "Cairns", "Queensland") == "AU"
    assert country("Georgia", "Tbilisi") == "GE"
    assert country("Georgia", "Atlanta") == "US"


def test_city_followed_by_its_state_is_the_city_there() -> None:
    out = resolve_places(
        [PlaceQuery("glasgow", "Glasgow", qualifier=1), PlaceQuery("ky", "Ky.", after_place=True)]
    )
    assert [(c.name, c.country_code, c.admin1) for c in out if c] == [
        ("Glasgow", "US", "KY"),
        ("Kentucky", "US", "KY"),
    ]


def test_weak_abbreviation_is_a_state_only_after_a_place() -> None:
    after = resolve_places(
        [PlaceQuery("noblesville", "Noblesville", qualifier=1), PlaceQuery("in", "IN", True)]
    )
    assert after[1] is not None and after[1].name == "Indiana"
    alone = resolve_places([PlaceQuery("in", "IN")])
    assert alone[0] is None or alone[0].name != "Indiana"


def test_obscure_namesake_is_no_place() -> None:
    # towns whose names are also words or people: no place rather than a wrong one
    assert country("Bush", "Washington", "Ukraine") is None
    assert country("P.O.", "Los Angeles") is None
    assert country("Orion", "New Orleans", "Florida") is None


def test_name_equally_likely_in_two_countries_is_unknown() -> None:
    assert country("Punjab") is None  # India's and Pakistan's
    assert country("Punjab", "Delhi") == "IN"
    assert country("Punjab", "Lahore") == "PK"


# --------------------------------------------------------------------- end to end


@pytest.mark.parametrize(
    "text",
    [
        "A spokesman for the White House said the president would not attend.",
        "The White House declined to comment on the impeachment inquiry on Tuesday.",
    ],
)
def test_white_house_gets_no_coordinates(text: str) -> None:
    for e in extract_entities(text):
        if "White House" in e.text and e.label == "location":
            assert e.place is not None and e.place.kind == "unknown"
            assert e.place.country_code is None and e.place.lat is None


def test_frankfurt_in_a_sentence_is_in_germany() -> None:
    ents = extract_entities("The bank will move 200 jobs from London to Frankfurt next year.")
    place = located(ents, "Frankfurt").place
    assert place is not None and place.country_code == "DE"


def test_glasgow_ky_is_in_kentucky() -> None:
    ents = extract_entities("Police in Glasgow, Ky. said the driver was arrested.")
    glasgow, ky = located(ents, "Glasgow"), located(ents, "Ky.")
    assert glasgow.place is not None and glasgow.place.country_code == "US"
    assert ky.place is not None and (ky.place.name, ky.place.kind) == ("Kentucky", "region")


def test_victoria_in_a_british_columbia_sentence_is_in_canada() -> None:
    ents = extract_entities(
        "Officials in Victoria said the British Columbia government would review the plan."
    )
    place = located(ents, "Victoria").place
    assert place is not None and place.country_code == "CA"


def test_london_in_an_ontario_article_is_london_ontario() -> None:
    paragraphs = [
        "City council voted on Tuesday to fund a new transit line in London.",
        "The Ontario government in Toronto will pay for part of it.",
    ]
    ents = [e for p in annotate_article(paragraphs) for e in p]
    place = located(ents, "London").place
    assert place is not None and place.country_code == "CA"


def test_alberta_is_a_canadian_region() -> None:
    ents = extract_entities("Farmers in Alberta fear a third year of drought.")
    place = located(ents, "Alberta").place
    assert place is not None and (place.country_code, place.kind) == ("CA", "region")


def test_state_after_city_comma_is_added_when_the_model_misses_it() -> None:
    text = "He was born in Springfield, IL and now lives in Austin, TX."
    ents = extract_entities(text)
    assert located(ents, "IL").place.name == "Illinois"  # type: ignore[union-attr]
    assert located(ents, "TX").place.name == "Texas"  # type: ignore[union-attr]
    austin = located(ents, "Austin").place
    assert austin is not None and austin.country_code == "US"
