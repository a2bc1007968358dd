"""Named-entity extraction for searchsvc: actors (people, organisations) and locations.

Public API:

- ``extract_entities(text)``: entities of one text, canonical names, places resolved.
- ``annotate_article(paragraphs)``: one article, with article-level name resolution.
- ``annotate_articles(articles, batch_size, n_process)``: many articles, streamed in order.
- ``paragraph_fields(entities)``: the (actors, locations) to store on a paragraph.

The spaCy model (``searchsvc/entities/model``) is loaded lazily, once per process, on
first use. See docs/entities.md for how it was trained and the rules on top of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from searchsvc.entities.extract import (
    CHUNK_CHARS,
    MAX_ENTITY_CHARS,
    MAX_TEXT_CHARS,
    annotate_paragraph_lists,
    get_nlp,
)
from searchsvc.models import Entity, Place

__all__ = [
    "CHUNK_CHARS",
    "MAX_ENTITY_CHARS",
    "MAX_TEXT_CHARS",
    "annotate_article",
    "annotate_articles",
    "evaluate_conll",
    "extract_entities",
    "get_nlp",
    "paragraph_fields",
]


def extract_entities(text: str) -> list[Entity]:
    """Return the entities of one text (treated as a one-paragraph article).

    Each Entity has the mention as written (``text == source[start:end]``), its label
    ("actor" or "location"), its canonical ``name`` and, for locations, a ``Place``.
    """
    return annotate_article([text])[0]


def annotate_article(paragraphs: list[str]) -> list[list[Entity]]:
    """Return one list of Entities per paragraph of one article, names resolved article-wide.

    A later "Erdogan" gets the name "Recep Tayyip Erdogan" if the article names him in
    full anywhere; ambiguous places are decided by the article's other places.
    """
    return next(annotate_paragraph_lists([list(paragraphs)]))


def annotate_articles(
    articles: Iterable[list[str]], batch_size: int = 64, n_process: int = 1
) -> Iterator[list[list[Entity]]]:
    """Yield, for each article in input order, its per-paragraph Entity lists.

    Input is consumed lazily and paragraphs are batched through ``nlp.pipe``;
    ``n_process=2`` runs the model in two worker processes.
    """
    return annotate_paragraph_lists(articles, batch_size=batch_size, n_process=n_process)


def paragraph_fields(entities: list[Entity]) -> tuple[list[str], list[Place]]:
    """Return (actor names, places) to store on a paragraph.

    Canonical names de-duplicated in order of first mention; each location appears once
    (as its resolved Place, or a kind="unknown" Place for names the gazetteer lacks).
    """
    actors: list[str] = []
    places: list[Place] = []
    seen_actors: set[str] = set()
    seen_places: set[str] = set()
    for ent in entities:
        if ent.label == "actor":
            if ent.name not in seen_actors:
                seen_actors.add(ent.name)
                actors.append(ent.name)
        elif ent.label == "location" and ent.name not in seen_places:
            seen_places.add(ent.name)
            places.append(ent.place or Place(ent.name))
    return actors, places


def evaluate_conll(path: str) -> dict[str, float]:
    """Return entity-level precision/recall/F1 for actors and locations on a CoNLL file.

    See ``searchsvc.entities.evaluation.evaluate_conll``.
    """
    from searchsvc.entities.evaluation import evaluate_conll as _evaluate

    return _evaluate(path)
