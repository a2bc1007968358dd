"""Tests for the names list (searchsvc/entities/known_names.py, data/names.tsv) and how it meets
the model's spans (extract._listed_names), and for the modern-news evaluation sets."""

from __future__ import annotations

from pathlib import Path

import pytest

from searchsvc.entities import extract, extract_entities, known_names
from searchsvc.entities.evaluation import (
    evaluate_conll,
    is_marked_file,
    parse_marked,
    read_marked_spans,
)
from searchsvc.entities.known_names import NameHit, find_names, listed_names, lookup
from searchsvc.errors import SearchsvcError

REPO = Path(__file__).resolve().parents[1]
EVAL = REPO / "eval" / "modern_news"
EXTRA = REPO / "training" / "extra"


def _found(text: str, caps: bool = False) -> list[tuple[str, str]]:
    lines = [(0, len(text))] if caps else []
    return [(text[h.start : h.end], h.name.label) for h in find_names(text, lines)]


# ------------------------------------------------------------------ the list itself


def test_every_row_of_the_shipped_list_is_well_formed() -> None:
    listed = [n for group in listed_names().values() for n in group]
    assert len(listed) > 2000
    assert {n.label for n in listed} == {"PER", "ORG", "LOC", "MISC"}
    for probe in ("Banxico", "BioNTech", "Ursula von der Leyen", "European Parliament"):
        assert lookup(probe) is not None and lookup(probe).add


def test_a_malformed_row_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "names.tsv"
    bad.write_text("# comment\nPfizer\tORG\tadd\nIkea\tCOMPANY\tadd\n", encoding="utf-8")
    monkeypatch.setattr(known_names, "NAMES_PATH", bad)
    listed_names.cache_clear()
    try:
        with pytest.raises(SearchsvcError, match=r"names.tsv:3"):
            listed_names()
    finally:
        listed_names.cache_clear()


# ------------------------------------------------------------------ where names stand


def test_whole_words_only() -> None:
    assert _found("Pfizer and BioNTech") == [("Pfizer", "ORG"), ("BioNTech", "ORG")]
    assert _found("Pfizerx and xBioNTech and Amazon.com.br") == []
    assert _found("Banxico's decision") == [("Banxico", "ORG")]


def test_case_as_listed_or_same_initials() -> None:
    assert _found("Biontech and BIONTECH and Ikea") == [
        ("Biontech", "ORG"),
        ("BIONTECH", "ORG"),
        ("Ikea", "ORG"),
    ]
    assert _found("biontech and ikea, an islamic state") == []
    assert _found("the Islamic state of the union") == []
    assert _found("EBay and eBay") == [("eBay", "ORG")]


def test_hyphens() -> None:
    assert _found("the Pfizer-BioNTech vaccine") == [("Pfizer", "ORG"), ("BioNTech", "ORG")]
    assert _found("a Pfizer-owned plant and anti-Pfizer protests") == [
        ("Pfizer", "ORG"),
        ("Pfizer", "ORG"),
    ]
    # the tail of a longer hyphenated name is no listed name
    assert _found("Ursula Smith-Zelensky spoke") == []


def test_a_one_word_person_next_to_another_capitalised_word_is_left_alone() -> None:
    assert _found("Zelensky said") == [("Zelensky", "PER")]
    assert _found("When Zelensky arrived") == [("Zelensky", "PER")]
    assert _found("Olena Zelensky arrived") == []
    assert _found("Zelensky Foundation") == []


def test_organisations_take_their_company_form() -> None:
    assert _found("Pfizer Inc said and Nomura Holdings agreed") == [
        ("Pfizer Inc", "ORG"),
        ("Nomura Holdings", "ORG"),
    ]


def test_all_caps_lines_ignore_case_for_longer_add_names() -> None:
    assert _found("PFIZER CUTS FORECAST AS BANXICO HOLDS", caps=True) == [
        ("PFIZER", "ORG"),
        ("BANXICO", "ORG"),
    ]
    assert _found("PFIZER CUTS FORECAST") == [("PFIZER", "ORG")]  # same initial, any case


# ------------------------------------------------------------------ names meet model spans


def _mention(text: str, surface: str, raw: str) -> extract.Mention:
    start = text.index(surface)
    made = extract._make_mention(text, start, start + len(surface), raw)
    assert made is not None
    return made


def _apply(text: str, model: list[tuple[str, str]]) -> list[tuple[str, str]]:
    mentions = [_mention(text, s, r) for s, r in model if r != "MISC"]
    taken = [(text.index(s), text.index(s) + len(s)) for s, _r in model]
    out = extract._listed_names(text, mentions, taken)
    return sorted((m.text, m.label) for m in out)


def test_a_listed_name_the_model_marked_gets_the_lists_label() -> None:
    text = "Banxico raised rates."
    assert _apply(text, [("Banxico", "PER")]) == [("Banxico", "actor")]
    text = "Spotify said it would cut jobs."
    assert _apply(text, [("Spotify", "LOC")]) == [("Spotify", "actor")]


def test_a_listed_name_replaces_the_parts_the_model_saw() -> None:
    text = "Ursula von der Leyen spoke in Strasbourg."
    got = _apply(text, [("Ursula", "ORG"), ("von der Leyen", "PER"), ("Strasbourg", "LOC")])
    assert got == [("Strasbourg", "location"), ("Ursula von der Leyen", "actor")]


def test_a_listed_name_is_added_where_the_model_saw_nothing() -> None:
    text = "Shares of Airbnb rose."
    assert _apply(text, []) == [("Airbnb", "actor")]


def test_a_longer_model_span_is_respected() -> None:
    text = "Airbnb Experiences Ltd filed papers."
    assert _apply(text, [("Airbnb Experiences Ltd", "ORG")]) == [
        ("Airbnb Experiences Ltd", "actor")
    ]


def test_fix_only_names_are_never_added() -> None:
    text = "Visa applications rose and Apple growers complained."
    assert lookup("Visa") is not None and not lookup("Visa").add
    assert _apply(text, []) == []


def test_listed_non_entities_drop_the_models_reading() -> None:
    text = "Users of ChatGPT and Bitcoin grew."
    assert _apply(text, [("ChatGPT", "ORG"), ("Bitcoin", "ORG")]) == []


def test_a_place_stays_a_place_where_the_name_is_a_known_place() -> None:
    text = "Fans in Liverpool celebrated."
    assert _apply(text, [("Liverpool", "LOC")]) == [("Liverpool", "location")]
    text = "Fires spread across the Amazon."
    assert _apply(text, [("Amazon", "LOC")]) == [("Amazon", "location")]
    # a village of the same name does not keep a company a place
    text = "Pemex reported a loss."
    assert _apply(text, [("Pemex", "LOC")]) == [("Pemex", "actor")]


def test_the_models_exact_misc_reading_stands_unless_a_person_or_organisation() -> None:
    text = "The Tour de France starts."
    assert _apply(text, [("Tour de France", "MISC")]) == []
    text = "Shares of Moderna rose."
    assert _apply(text, [("Moderna", "MISC")]) == [("Moderna", "actor")]


def test_extract_entities_finds_2020s_names() -> None:
    text = (
        "European Commission President Ursula von der Leyen told the European Parliament "
        "that Pfizer, BioNTech, IKEA, Airbnb, Spotify and Banxico had been consulted."
    )
    ents = extract_entities(text)
    actors = {e.text for e in ents if e.label == "actor"}
    assert {
        "European Commission",
        "Ursula von der Leyen",
        "European Parliament",
        "Pfizer",
        "BioNTech",
        "IKEA",
        "Airbnb",
        "Spotify",
        "Banxico",
    } <= actors
    for e in ents:
        assert text[e.start : e.end] == e.text


def test_switching_the_names_list_off(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def spy(folded: str, caps_lines: list[tuple[int, int]]) -> list[NameHit]:
        calls.append(folded)
        return find_names(folded, caps_lines)

    monkeypatch.setattr(extract, "find_names", spy)
    extract_entities("Banxico held rates.")
    assert calls == ["Banxico held rates."]
    monkeypatch.setitem(extract.RULES, "names", False)
    extract_entities("Banxico held rates.")
    assert len(calls) == 1


# ------------------------------------------------------------------ evaluation sets


def test_marked_up_lines_parse_to_plain_text_and_spans() -> None:
    text, spans = parse_marked("[Antony Blinken](PER) met [Fidan](PER) in [Ankara](LOC).")
    assert text == "Antony Blinken met Fidan in Ankara."
    assert [(text[a:b], lab) for a, b, lab in spans] == [
        ("Antony Blinken", "PER"),
        ("Fidan", "PER"),
        ("Ankara", "LOC"),
    ]


def test_marked_files_are_scored(tmp_path: Path) -> None:
    sample = tmp_path / "mini.txt"
    sample.write_text(
        "# a comment\n[Angela Merkel](PER) visited [Paris](LOC).\n\n"
        "[German](MISC) officials in [Berlin](LOC) agreed.\n",
        encoding="utf-8",
    )
    assert is_marked_file(sample)
    docs = list(read_marked_spans(sample))
    assert len(docs) == 2 and docs[0][0] == "Angela Merkel visited Paris."
    scores = evaluate_conll(sample)
    assert scores["documents"] == 2
    assert scores["location_f1"] == 1.0


def _sentences(path: Path) -> set[str]:
    out: set[str] = set()
    for text, _spans in read_marked_spans(path):
        out.update(line for line in text.split("\n") if line)
    return out


@pytest.mark.parametrize("part", ["dev", "test"])
def test_evaluation_sets_are_big_enough_and_apart_from_training(part: str) -> None:
    path = EVAL / f"{part}.txt"
    docs = list(read_marked_spans(path))
    sentences = sum(text.count("\n") + 1 for text, _ in docs)
    scored = sum(1 for _text, spans in docs for *_ab, lab in spans if lab != "MISC")
    assert sentences >= 100 and scored >= 250
    for text, spans in docs:
        assert "[" not in text and "](" not in text  # no broken markup left
        for a, b, _lab in spans:
            assert text[a:b] == text[a:b].strip() and text[a:b]
    training = set().union(*(_sentences(p) for p in EXTRA.glob("*.txt")))
    assert not _sentences(path) & training
    assert not (_sentences(EVAL / "dev.txt") & _sentences(EVAL / "test.txt"))


def test_modern_news_dev_scores() -> None:
    scores = evaluate_conll(EVAL / "dev.txt")
    assert scores["actor_f1"] >= 0.87
    assert scores["location_f1"] >= 0.90
