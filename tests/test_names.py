"""One name per entity across the archive: the rule (``entities.names``), the registry
kept beside the index (``entities.registry``) and what reindexing makes of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from searchsvc.engines.whoosh.search import WhooshSearchBackend
from searchsvc.engines.whoosh.storage import IndexLocation
from searchsvc.entities.names import NameCount, resolve_group, shared_companions, tally
from searchsvc.entities.registry import REGISTRY_FILE, NameRegistry
from searchsvc.indexer import reindex
from searchsvc.models import Entity, Paragraph, SearchRequest

from .conftest import shared_path


def person(name: str, paragraphs: int = 1, companions: tuple[str, ...] = ()) -> NameCount:
    return NameCount(name, paragraphs, paragraphs, 0, frozenset(companions))


def org(name: str, paragraphs: int = 1) -> NameCount:
    return NameCount(name, paragraphs, 0, paragraphs)


NO_ALIASES: frozenset[str] = frozenset()


# -- the rule -----------------------------------------------------------------------------


def test_a_variant_keeping_first_and_last_name_resolves_to_the_one_full_name():
    names = resolve_group(
        [person("Recep Tayyip Erdogan", 7), person("Recep Erdogan", 2)], fixed=NO_ALIASES
    )
    assert names == {
        "Recep Tayyip Erdogan": "Recep Tayyip Erdogan",
        "Recep Erdogan": "Recep Tayyip Erdogan",
    }


def test_a_lone_surname_resolves_when_the_archive_knows_one_full_name_with_it():
    names = resolve_group(
        [person("Hakan Fidan", 3), person("Fidan"), person("Erdoğan"), person("Erdogan", 2)],
        fixed=NO_ALIASES,
    )
    assert names["Fidan"] == "Hakan Fidan"
    # spellings differing only in accents are one name, in the commoner spelling
    assert names["Erdoğan"] == names["Erdogan"] == "Erdogan"


def test_two_people_with_one_surname_stay_two_and_the_surname_alone_stays_alone():
    names = resolve_group(
        [person("Boris Johnson", 5), person("Andrew Johnson", 2), person("Johnson", 4)],
        fixed=NO_ALIASES,
    )
    assert names == {n: n for n in ("Boris Johnson", "Andrew Johnson", "Johnson")}


def test_variants_of_one_person_do_not_make_two_candidates():
    names = resolve_group(
        [person("Recep Tayyip Erdogan", 7), person("Recep Erdogan", 2), person("Erdogan", 3)],
        fixed=NO_ALIASES,
    )
    assert names["Erdogan"] == "Recep Tayyip Erdogan"


def test_a_different_middle_name_or_first_name_is_no_candidate():
    names = resolve_group(
        [person("George Walker Bush", 4), person("George Herbert Bush", 2), person("Laura Bush")],
        fixed=NO_ALIASES,
    )
    assert all(canonical == name for name, canonical in names.items())
    assert resolve_group(
        [person("John Paul Smith", 3), person("Paul Smith")], fixed=NO_ALIASES
    ) == {"John Paul Smith": "John Paul Smith", "Paul Smith": "Paul Smith"}


def test_organisations_are_never_resolved_to_a_longer_name():
    names = resolve_group(
        [org("Democratic Party", 9), org("Democratic Unionist Party", 3), org("Party")],
        fixed=NO_ALIASES,
    )
    assert all(canonical == name for name, canonical in names.items())


def test_a_name_used_far_more_than_its_only_full_name_is_not_resolved():
    names = resolve_group([person("Tory", 90), person("Vote Tory", 2)], fixed=NO_ALIASES)
    assert names["Tory"] == "Tory"


def test_a_full_name_that_is_a_slice_of_a_sentence_is_no_candidate():
    names = resolve_group([person("Rover", 1), person("Gordon Brown. Rover", 3)], fixed=NO_ALIASES)
    assert names["Rover"] == "Rover"


def test_a_one_word_name_that_begins_a_known_name_may_be_a_first_name():
    group = [person("Henry Paul", 5), person("Paul", 2)]
    assert resolve_group(group, fixed=NO_ALIASES)["Paul"] == "Henry Paul"
    assert resolve_group(group, first_words={"paul"}, fixed=NO_ALIASES)["Paul"] == "Paul"


@pytest.mark.parametrize(
    ("full", "short", "needed"),
    [("Jerry Lee Lewis", "Jerry Lewis", 1), ("Rio Ferdinand", "Ferdinand", 2)],
)
def test_a_short_form_needs_actors_in_common_with_its_full_name(full, short, needed):
    # a variant needs one, a one-word name two
    group = [person(full, 4), person(short, 2)]

    def resolved(shared: int) -> str:
        return resolve_group(group, shared=lambda a, b: shared, fixed=NO_ALIASES)[short]

    assert resolved(needed - 1) == short
    assert resolved(needed) == full


def test_shared_actors_count_a_surname_and_the_full_name_ending_with_it_as_one():
    assert shared_companions({"blinken", "fidan", "gaza"}, {"antony blinken", "hakan fidan"}) == 2
    assert shared_companions({"keane", "man utd"}, {"keane", "mercury prize"}) == 1


def test_alias_table_names_are_kept_and_preferred():
    names = resolve_group(
        [person("Recep Tayyip Erdoğan", 9), person("Recep Tayyip Erdogan", 1)],
        fixed={"Recep Tayyip Erdogan"},
    )
    assert set(names.values()) == {"Recep Tayyip Erdogan"}
    kept = resolve_group([person("Xi Jinping Jr Xi", 3), person("Xi Xi")], fixed={"Xi Xi"})
    assert kept["Xi Xi"] == "Xi Xi"


def test_tally_counts_paragraphs_kinds_and_companions_per_article():
    def actor(name, kind):
        return Entity(name, "actor", 0, len(name), name, None, kind)

    articles = [
        [
            [actor("Hakan Fidan", "person"), actor("Hamas", "organisation")],
            [actor("Hakan Fidan", None)],
        ],
        [[actor("Hamas", "organisation"), actor("Blinken", "person")]],
    ]
    counts = {c.name: c for c in tally(articles)}
    assert (counts["Hakan Fidan"].paragraphs, counts["Hakan Fidan"].person) == (2, 1)
    assert counts["Hamas"].organisation == 2
    assert counts["Hakan Fidan"].companions == {"hamas"}
    assert counts["Hamas"].companions == {"hakan fidan", "blinken"}


# -- the registry -------------------------------------------------------------------------


def paragraph(actors: list[str]) -> Paragraph:
    return Paragraph(
        id="a#1", article_id="a", position=1, count=1, text="", title="", actors=actors
    )


def write(registry: NameRegistry, path: str, counts: list[NameCount]) -> list[str]:
    """Record and resolve one file as the indexer does; return its stored actors."""
    registry.record(path, f"{path}\t1\t1", counts)
    p = paragraph([c.name for c in counts])
    registry.resolve(path, [p])
    return p.actors


CONTEXT = ("antony blinken", "hamas")


def test_a_full_name_indexed_later_makes_the_earlier_short_form_stale(tmp_path):
    registry = NameRegistry(tmp_path / REGISTRY_FILE)
    assert write(registry, "/a.txt", [person("Recep Erdogan", 2, CONTEXT)]) == ["Recep Erdogan"]
    assert registry.stale_paths() == []
    assert write(registry, "/b.txt", [person("Recep Tayyip Erdogan", 3, CONTEXT)]) == [
        "Recep Tayyip Erdogan"
    ]
    assert registry.stale_paths() == ["/a.txt"]
    assert write(registry, "/a.txt", [person("Recep Erdogan", 2, CONTEXT)]) == [
        "Recep Tayyip Erdogan"
    ]
    assert registry.stale_paths() == []


def test_a_second_person_with_the_surname_makes_the_lone_surname_stale_again(tmp_path):
    registry = NameRegistry(tmp_path / REGISTRY_FILE)
    write(registry, "/boris.txt", [person("Boris Johnson", 3, CONTEXT)])
    assert write(registry, "/lone.txt", [person("Johnson", 1, CONTEXT)]) == ["Boris Johnson"]
    write(registry, "/andrew.txt", [person("Andrew Johnson", 2)])
    assert registry.stale_paths() == ["/lone.txt"]
    assert write(registry, "/lone.txt", [person("Johnson", 1, CONTEXT)]) == ["Johnson"]
    registry.forget("/andrew.txt")
    assert registry.stale_paths() == ["/lone.txt"]


def test_the_registry_is_kept_across_runs_and_only_committed_changes_last(tmp_path):
    path = tmp_path / REGISTRY_FILE
    registry = NameRegistry(path)
    write(registry, "/b.txt", [person("Recep Tayyip Erdogan", 3, CONTEXT)])
    registry.commit()
    write(registry, "/c.txt", [person("Emine Erdogan", 3)])
    registry.close()  # not committed: /c.txt is not kept
    again = NameRegistry(path)
    assert again.existed and again.keys() == {"/b.txt": "/b.txt\t1\t1"}
    assert again.canonical("Recep Erdogan") == "Recep Erdogan"  # not in the archive yet
    write(again, "/a.txt", [person("Recep Erdogan", 1, CONTEXT)])
    assert again.canonical("Recep Erdogan") == "Recep Tayyip Erdogan"
    again.close()


def test_adding_a_file_article_by_article_counts_as_recording_it_whole(tmp_path):
    whole = NameRegistry(tmp_path / "whole.sqlite")
    whole.record("/big.jsonl", "k", [person("Recep Erdogan", 3, CONTEXT)])
    parts = NameRegistry(tmp_path / "parts.sqlite")
    parts.add("/big.jsonl", "k", [person("Recep Erdogan", 1, CONTEXT[:1])])
    parts.add("/big.jsonl", "k", [person("Recep Erdogan", 2, CONTEXT[1:])])
    assert parts.key_of("/big.jsonl") == "k" and parts.key_of("/other") is None
    rows = "SELECT name, paragraphs, person, organisation, companions FROM names"
    assert parts._db.execute(rows).fetchall() == whole._db.execute(rows).fetchall()
    # and the totals that resolution uses agree: a full name elsewhere resolves both alike
    for registry in (whole, parts):
        registry.record("/b.txt", "k", [person("Recep Tayyip Erdogan", 5, CONTEXT)])
    assert parts.canonical("Recep Erdogan") == whole.canonical("Recep Erdogan")
    assert parts.canonical("Recep Erdogan") == "Recep Tayyip Erdogan"


# -- reindexing -----------------------------------------------------------------------------

ARTICLES = {
    "short.txt": (
        "Turkish leader speaks\n\n"
        "President Recep Erdogan told Secretary of State Antony Blinken that Ankara "
        "wanted a ceasefire in Gaza."
    ),
    "full.txt": (
        "Talks in Ankara\n\n"
        "President Recep Tayyip Erdogan met Secretary of State Antony Blinken in Ankara "
        "on Monday to discuss a ceasefire in Gaza."
    ),
}


def actor_facets(index_dir: Path, q: str) -> dict[str, int]:
    page = WhooshSearchBackend(str(index_dir)).search(SearchRequest(q=q, facet_limit=50))
    return {f.value: f.count for f in page.facets["actors"]}


def test_short_and_full_name_in_two_articles_give_one_facet_value_whatever_the_order(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    index_dir = tmp_path / "ix"
    (folder / "short.txt").write_text(ARTICLES["short.txt"], "utf-8")
    reindex([folder], index_dir, workers=1)
    assert "Recep Erdogan" in actor_facets(index_dir, "erdogan")

    (folder / "full.txt").write_text(ARTICLES["full.txt"], "utf-8")
    report = reindex([folder], index_dir, workers=1)  # incremental: the full name comes later
    assert report.files_processed == 1 and report.files_renamed == 1
    facets = actor_facets(index_dir, "erdogan")
    assert facets["Recep Tayyip Erdogan"] == 2 and "Recep Erdogan" not in facets
    backend = WhooshSearchBackend(str(index_dir))
    for request in (
        SearchRequest(q="actor:tayyip"),
        SearchRequest(actors=["Recep Tayyip Erdogan"]),
    ):
        assert backend.search(request).total == 2

    (folder / "full.txt").unlink()
    reindex([folder], index_dir, workers=1)  # the full name is gone again
    assert "Recep Erdogan" in actor_facets(index_dir, "erdogan")

    (folder / "full.txt").write_text(ARTICLES["full.txt"], "utf-8")
    reindex([folder], index_dir, workers=1)
    full = reindex([folder], tmp_path / "ix2", full=True, workers=1)
    assert full.files_processed == 2
    assert actor_facets(tmp_path / "ix2", "erdogan") == actor_facets(index_dir, "erdogan")
    assert actor_facets(index_dir, "erdogan")["Recep Tayyip Erdogan"] == 2


def short_then_full_dump(folder: Path, name: str = "dump.jsonl") -> Path:
    """Write one JSON Lines file: the article with the short name, then the full one."""
    folder.mkdir(exist_ok=True)
    records = [
        {"title": title, "text": body, "date": f"2023-11-0{day}"}
        for day, (title, body) in enumerate(
            (text.split("\n\n", 1) for text in (ARTICLES["short.txt"], ARTICLES["full.txt"])),
            start=1,
        )
    ]
    path = folder / name
    path.write_text("".join(json.dumps(r) + "\n" for r in records), "utf-8")
    return path


@pytest.fixture
def tagged(monkeypatch) -> list[str]:
    """The titles of the articles the entity model is run on, as it runs."""
    import searchsvc.indexer as indexer

    seen: list[str] = []
    real = indexer._annotate

    def counting(paragraph_lists):
        seen.extend(p[0].title for p in paragraph_lists)
        return real(paragraph_lists)

    monkeypatch.setattr(indexer, "_annotate", counting)
    return seen


def test_a_full_run_writes_a_dump_with_the_short_form_first_once(tmp_path, tagged):
    short_then_full_dump(tmp_path / "dump")
    seen = []
    report = reindex([tmp_path / "dump"], tmp_path / "ix", workers=1, progress=seen.append)
    # a full run keeps the articles and writes them once every name is known, and says so
    assert report.mode == "full" and report.files_renamed == 0
    assert seen[0].phase == "reading" and seen[-1].phase == "writing"
    assert seen[-1].written == seen[-1].paragraphs == 2
    assert report.articles == 2 and report.paragraphs == 2 and report.documents == 2
    assert sorted(tagged) == ["Talks in Ankara", "Turkish leader speaks"]
    facets = actor_facets(tmp_path / "ix", "erdogan")
    assert facets["Recep Tayyip Erdogan"] == 2 and "Recep Erdogan" not in facets
    again = reindex([tmp_path / "dump"], tmp_path / "ix", full=True, workers=2)
    assert actor_facets(tmp_path / "ix", "erdogan") == facets and again.documents == 2


def test_an_incremental_run_writes_such_a_dump_again_without_tagging_it_again(
    tmp_path, tagged
):
    folder = tmp_path / "dump"
    folder.mkdir()
    (folder / "other.txt").write_text("Weather\n\nRain is expected over the coast today.")
    reindex([folder], tmp_path / "ix", workers=1)
    tagged.clear()
    short_then_full_dump(folder)
    report = reindex([folder], tmp_path / "ix", workers=1)
    # the first article was written before the full name was known: its file once more,
    # with the entities tagged the first time
    assert report.mode == "incremental" and report.files_processed == 1
    assert report.files_renamed == 1 and report.articles == 2 and report.documents == 3
    assert sorted(tagged) == ["Talks in Ankara", "Turkish leader speaks"]
    facets = actor_facets(tmp_path / "ix", "erdogan")
    assert facets["Recep Tayyip Erdogan"] == 2 and facets["Antony Blinken"] == 2
    assert "Recep Erdogan" not in facets


def test_an_index_built_before_the_registry_gets_one_and_a_note(tmp_path):
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "short.txt").write_text(ARTICLES["short.txt"], "utf-8")
    index_dir = tmp_path / "ix"
    reindex([folder], index_dir, entities=False, workers=1)
    gen = IndexLocation(index_dir).current_dir()
    (gen / REGISTRY_FILE).unlink()
    (folder / "full.txt").write_text(ARTICLES["full.txt"], "utf-8")
    report = reindex([folder], index_dir, workers=1)
    assert report.notes and "reindex --full" in report.notes[0]
    assert (gen / REGISTRY_FILE).exists()


def test_erdogan_is_one_facet_value_over_the_shared_corpus_and_seed(tmp_path):
    seed = shared_path("seed", "blinken-turkey.txt")
    politics = shared_path("corpus", "bbc", "politics")
    chosen = [politics / f for f in ("064.txt", "161.txt")]
    folder = tmp_path / "articles"
    folder.mkdir()
    for source in [seed, *chosen]:
        (folder / source.name).write_bytes(source.read_bytes())
    reindex([folder], tmp_path / "ix", workers=1)
    facets = actor_facets(tmp_path / "ix", "erdogan")
    erdogans = {name: n for name, n in facets.items() if "Erdogan" in name}
    assert erdogans == {"Recep Tayyip Erdogan": 9}, json.dumps(facets)


@pytest.fixture
def johnsons(tmp_path) -> Path:
    folder = tmp_path / "johnsons"
    folder.mkdir()
    (folder / "boris.txt").write_text(
        "Prime minister visits Paris\n\n"
        "Prime Minister Boris Johnson met President Emmanuel Macron and Chancellor Olaf "
        "Scholz in Paris.",
        "utf-8",
    )
    (folder / "lone.txt").write_text(
        "Talks end\n\nMr Johnson thanked President Emmanuel Macron and Chancellor Olaf "
        "Scholz for the talks.",
        "utf-8",
    )
    return folder


def test_two_people_with_one_surname_stay_two_after_reindexing(johnsons, tmp_path):
    index_dir = tmp_path / "ix"
    reindex([johnsons], index_dir, workers=1)
    assert "Johnson" not in actor_facets(index_dir, "johnson")  # one Johnson known: resolved
    (johnsons / "andrew.txt").write_text(
        "A president remembered\n\nPresident Andrew Johnson succeeded Abraham Lincoln in 1865.",
        "utf-8",
    )
    reindex([johnsons], index_dir, workers=1)
    facets = actor_facets(index_dir, "johnson")
    assert {"Boris Johnson", "Andrew Johnson", "Johnson"} <= facets.keys()
    assert facets["Boris Johnson"] == 1 and facets["Johnson"] == 1


def test_the_registry_resolves_a_lone_surname_only_beside_the_same_actors(tmp_path):
    registry = NameRegistry(tmp_path / REGISTRY_FILE)
    write(registry, "/band.txt", [person("Franz Ferdinand", 5, ("keane", "mercury prize"))])
    lone = [person("Ferdinand", 2, ("keane", "man utd"))]
    assert write(registry, "/match.txt", lone) == ["Ferdinand"]
    beside_the_band = [person("Ferdinand", 1, ("keane", "mercury prize", "kaiser chiefs"))]
    assert write(registry, "/review.txt", beside_the_band) == ["Franz Ferdinand"]
