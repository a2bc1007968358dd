"""The one text fold (``searchsvc.text.fold``): names of many languages, agreement with
the accent map Whoosh's analysis used, and the places that use it (suggest, names,
queries). A Whoosh-engine test: it compares against ``whoosh.support.charset``."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata

import pytest
from whoosh.support.charset import accent_map

from searchsvc.engines.whoosh.search import WhooshSearchBackend
from searchsvc.engines.whoosh.search.facets import fold as facets_fold
from searchsvc.entities.normalize import name_key
from searchsvc.indexer import write_paragraphs
from searchsvc.models import Paragraph
from searchsvc.text import SPECIAL_LETTERS, fold

NAMES = {
    # Turkish: dotless ı, dotted İ, ğ, ç, ş
    "Kemal Kılıçdaroğlu": "kemal kilicdaroglu",
    "İstanbul": "istanbul",
    "Recep Tayyip Erdoğan": "recep tayyip erdogan",
    "Şişli": "sisli",
    "KILIÇDAROĞLU": "kilicdaroglu",
    # Polish: ł and marks
    "Łódź": "lodz",
    "Lech Wałęsa": "lech walesa",
    # German
    "Müller": "muller",
    "Straße": "strase",
    "STRAẞE": "strase",
    # Vietnamese: stacked marks, đ
    "Nguyễn Tấn Dũng": "nguyen tan dung",
    "Đà Nẵng": "da nang",
    # Nordic and Icelandic
    "Ørsted": "orsted",
    "Ærø": "æro",
    "Þórshöfn": "torshofn",
    "Guðrún": "gudrun",
}


@pytest.mark.parametrize(("name", "folded"), NAMES.items())
def test_names_fold_to_their_plain_letters(name, folded):
    assert fold(name) == folded


def test_decomposed_text_folds_like_composed_text():
    composed = "Erdoğan Nguyễn İzmir"
    assert fold(unicodedata.normalize("NFD", composed)) == fold(composed) == "erdogan nguyen izmir"


def test_other_scripts_keep_their_letters_and_only_lose_case():
    assert fold("Москва Йошкар-Ола") == "москва йошкар-ола"
    assert fold("Αθήνα") == "αθήνα"
    assert fold("東京") == "東京"


def test_ascii_text_is_only_lowercased():
    text = "Hello, World! 3.5% O'Neill_x"
    assert fold(text) == text.lower()


def _whoosh(ch: str) -> str:
    """What Whoosh's analysis made of a character: LowercaseFilter, then
    CharsetFilter(accent_map)."""
    return ch.lower().translate(accent_map)


# Letters Whoosh's table folds and we keep, each a letter in its own right: phonetic
# letters (turned and reversed e, rhotic vowels, small capital y, ezh with a tail), and
# æ and ezh with a mark, which fold to æ and ezh as æ and ezh themselves stay (Whoosh
# makes "ǣ" an "a" but keeps "æ").
KEPT = set("ƎǝɚɝʏƺǢǣǼǽǮǯ")


def _folded_by_our_rules_only(ch: str) -> bool:
    """True for a letter Whoosh's table leaves as it is and we fold to the base letter its
    Unicode name gives (letters with strokes, hooks, tildes and the like that the table
    lacks, most added to Unicode after it was written), or to a letter of
    ``SPECIAL_LETTERS`` (long s)."""
    if _whoosh(ch) != ch.lower():
        return False
    if ch.lower() in SPECIAL_LETTERS:
        return fold(ch) == SPECIAL_LETTERS[ch.lower()]
    name = unicodedata.name(ch, "")
    match = re.match(r"LATIN (?:SMALL |CAPITAL )?LETTER (?:DOTLESS |BARRED )?([A-Z])\b", name)
    return bool(match) and fold(ch) == match.group(1).lower()


def test_fold_agrees_with_whooshs_accent_map_on_every_bmp_letter_but_the_documented_ones():
    word = re.compile(r"\w")
    differences = {}
    for code in range(0x10000):
        ch = chr(code)
        if (ch.isalpha() or word.match(ch)) and fold(ch) != _whoosh(ch):
            differences[ch] = (_whoosh(ch), fold(ch))
    dotted_capital_i = differences.pop("İ")
    assert dotted_capital_i == ("i\u0307", "i")  # lowercasing leaves a combining dot
    assert {ch for ch in differences if ch in KEPT} == KEPT
    assert all(fold(ch) == ch.lower() or ch in "ǢǣǼǽǮǯ" for ch in KEPT)
    unexplained = {
        ch: pair
        for ch, pair in differences.items()
        if ch not in KEPT and not _folded_by_our_rules_only(ch)
    }
    assert unexplained == {}
    # the letters news text uses are all among the agreeing ones
    for ch in "ıłøđħŧßþðĸŋàéîõüçğşžčřůőűąęėįųāēīūñýÿ":
        assert ch not in differences, ch


def test_fold_is_idempotent():
    for code in range(0x10000):
        ch = chr(code)
        if ch.isalpha():
            assert fold(fold(ch)) == fold(ch), ch


def test_text_module_does_not_import_whoosh():
    code = "import sys, searchsvc.text; print(any(m.startswith('whoosh') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_facets_names_and_queries_share_the_fold():
    assert facets_fold is fold
    assert name_key("Kılıçdaroğlu") == name_key("KILICDAROGLU") == "kilicdaroglu"
    assert name_key("Łódź") == name_key("Lodz")
    assert name_key("İstanbul") == name_key("Istanbul") == "istanbul"


@pytest.fixture(scope="module")
def turkish_backend(tmp_path_factory) -> WhooshSearchBackend:
    folder = tmp_path_factory.mktemp("fold-index")
    texts = [
        ("Kemal Kılıçdaroğlu spoke in İstanbul about the budget.", ["Kemal Kılıçdaroğlu"]),
        ("Lech Wałęsa visited Łódź and Gdańsk.", ["Lech Wałęsa"]),
        ("Nguyễn Tấn Dũng met officials in Đà Nẵng.", ["Nguyễn Tấn Dũng"]),
    ]
    paragraphs = [
        Paragraph(
            id=f"a{i:015x}#1",
            article_id=f"a{i:015x}",
            position=1,
            count=1,
            text=text,
            title=f"Report {i}",
            path=f"/data/a{i}.txt",
            actors=actors,
        )
        for i, (text, actors) in enumerate(texts, 1)
    ]
    write_paragraphs(folder, paragraphs)
    return WhooshSearchBackend(str(folder))


def test_suggest_finds_kilicdaroglu_for_kilic(turkish_backend):
    assert turkish_backend.suggest("actor", "kilic") == ["Kemal Kılıçdaroğlu"]
    assert turkish_backend.suggest("actor", "KILIÇ") == ["Kemal Kılıçdaroğlu"]
    assert turkish_backend.suggest("actor", "wale") == ["Lech Wałęsa"]
    assert turkish_backend.suggest("actor", "dung") == ["Nguyễn Tấn Dũng"]


@pytest.mark.parametrize(
    ("query", "article"),
    [
        ("kilicdaroglu", 1),
        ("Kılıçdaroğlu", 1),
        ("actor:kilicdaroglu", 1),
        ("istanbul", 1),
        ("İstanbul", 1),
        ("lodz", 2),
        ("actor:walesa", 2),
        ("da nang", 3),
        ("actor:nguyen", 3),
    ],
)
def test_queries_typed_either_way_find_the_paragraph(turkish_backend, query, article):
    from searchsvc.models import SearchRequest

    page = turkish_backend.search(SearchRequest(q=query))
    assert [h.article_id for h in page.hits] == [f"a{article:015x}"]
