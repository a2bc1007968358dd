"""Differential test: searchsvc's query parser (``searchsvc.query`` translated by the
Whoosh engine) against Whoosh's qparser, which it replaced (``tests/legacy_qparser.py``).

Several hundred queries (hand-written, and generated from the syntax with a fixed seed)
are parsed by both, in both forms (``all_words`` and ``any_words``). Each query falls in
one class:

- ``same``: the Whoosh queries are equal, up to equivalent forms (a boost on a group or
  on its words, ``a NOT b`` inside an AND written as ANDNOT, nested ANDNOTs);
- ``intended``: equal once the rules the query language changed on purpose are switched
  back to Whoosh's (``LEGACY_RULES``: each says what changed and why);
- ``whoosh_failed``: qparser raised on the query (it then searched the words with all
  syntax removed); ours reads the syntax, and equals qparser on those plain words;
- ``every``: qparser matched everything because a ``*`` stood anywhere in the query.

Any other difference fails the test. Queries whose forms were only equivalent are also
run on the sample index: both must find the same paragraphs. ``test_report`` prints the
figures (``pytest -s tests/test_query_differential.py -k report``).
"""

from __future__ import annotations

import random
import re
from collections import Counter

import pytest
from whoosh import query

from searchsvc.engines.whoosh.search.docsets import DocSets
from searchsvc.engines.whoosh.search.query import QueryBuilder
from searchsvc.engines.whoosh.translate import SloppyPhrase
from searchsvc.errors import BadQuery
from searchsvc.query import clean_query, parser
from searchsvc.query.nodes import And, Nothing, Or, Term
from tests.fixtures_search import build_sample_index
from tests.legacy_qparser import QueryBuilder as LegacyQueryBuilder
from tests.legacy_qparser import _plain

HAND_WRITTEN = [
    # words, phrases, operators
    "humanitarian",
    "humanitarian pause",
    "Humanitarian PAUSE talks",
    '"humanitarian pause"',
    '"the humanitarian pause"',
    '"humanitarian"',
    '"a the"',
    "ceasefire zebra",
    "ceasefire -doha",
    "ceasefire -doha -qatar",
    "-ceasefire",
    "ceasefire NOT doha",
    "NOT doha",
    "NOT doha NOT qatar",
    "doha OR ankara",
    "doha OR ankara OR gaza",
    "doha AND ankara",
    "doha AND ankara OR gaza",
    "doha OR ankara gaza",
    "(truce OR ceasefire) -turkey",
    "(truce OR ceasefire) (doha OR ankara)",
    "((truce OR ceasefire) talks) OR market",
    "ceasefire ANDNOT doha",
    "ceasefire ANDMAYBE doha",
    "ceasefire REQUIRE doha",
    "ceasefire ceasefire",
    "talks talk",
    # prefixes, wildcards, typos, boosts, everything
    "humanit*",
    "humanities*",
    "h*",
    "*",
    "* ceasefire",
    "ceasefire OR *",
    "*:*",
    "title:*",
    "*x",
    "a?c",
    "ce?sefire",
    "ce*fire",
    "humani*rian pause",
    "ceasfire~",
    "ceasfire~2",
    "ceasfire~9",
    "ceasfire~0",
    "ceasefire~2/3",
    "ceasefire^2",
    "ceasefire^2 truce",
    "ceasefire^0.5",
    '"humanitarian pause"^2',
    "title:economy^3",
    # fields
    "actor:erdogan",
    "actors:erdogan",
    "person:ERDOĞAN",
    "org:reuters",
    'actor:"tayyip erdogan"',
    "actor:erdogan ceasefire",
    "actor:(erdogan OR blinken)",
    "actor:erdogan OR blinken",
    "actor:the",
    'location:"united states of america"',
    "location:turkey",
    "place:ankara",
    "locations:doha",
    "country:turkey",
    "source:reuters",
    "title:economy market",
    "title:(economy market)",
    "text:inflation",
    "title:",
    "title: economy",
    "title:actor:erdogan",
    "unknown:word",
    "http://example.org/a",
    # dates
    "date:2023",
    "date:2023-11",
    "date:2023-11-06",
    "date:[2023-01 to 2023-06]",
    "date:[2023-03 to]",
    "date:[to 2023-03]",
    "date:{2023 to 2024}",
    "date:[2024 to 2023]",
    "budget date:2023-03",
    "date:2023 OR date:2024",
    "date:(2023 OR 2024)",
    "budget -late date:[2023 to]",
    "[a to b]",
    "title:[a to z]",
    # odd input
    "the",
    "AND",
    "OR",
    "NOT",
    "-",
    "+",
    '"',
    "(((",
    ")",
    "a*",
    "and or not",
    "ceasefire AND",
    "OR ceasefire",
    "ceasefire OR",
    "(ceasefire",
    "ceasefire)",
    "doha(qatar",
    "a(b",
    "Israel-Hamas",
    "Israel-Hamas war",
    "U.S. election",
    "state-of-the-art",
    "don't",
    "e.g.",
    "'single quoted'",
    "it's",
    "“smart quotes”",
    'open "quote',
    "ceasefire\x00truce",
    "^2",
    "word^",
    "~",
    "word~~",
    ":x",
    "x:",
    "ceasefire!",
    "ceasefire, truce.",
    "Erdoğan Çavuşoğlu",
    "İstanbul",
    "ÉCOLE économie",
    "naïve café",
    "東京",
    "مرحبا",
    # plus
    "+ceasefire",
    "+ceasefire truce",
    "+ceasefire +truce",
    "+ceasefire -doha truce",
    "truce +ceasefire",
    "+the ceasefire",
    "ceasefire OR +truce",
    # proximity
    '"hakan blinken"~8',
    '"blinken hakan"~5',
    '"humanitarian pause"~1',
    '"humanitarian pause"~0',
    '"humanitarian talks pause"~3',
]

VOCABULARY = [
    "humanitarian",
    "pause",
    "ceasefire",
    "truce",
    "doha",
    "ankara",
    "turkey",
    "market",
    "economy",
    "inflation",
    "talks",
    "grew",
    "erdogan",
    "blinken",
    "istanbul",
    "post",
    "reuters",
    "qatar",
    "gaza",
    "budget",
    "late",
]
STOP_WORDS = ["the", "of", "and", "or", "not", "a"]
ODD_WORDS = [
    "Erdoğan",
    "ÉCOLE",
    "Israel-Hamas",
    "U.S.",
    "don't",
    "ceasfire",
    "humanitarain",
    "x:y",
    "e.g.",
    "2023",
]
FIELDS = [
    "actor:",
    "location:",
    "title:",
    "text:",
    "source:",
    "country:",
    "place:",
    "person:",
    "foo:",
    "actors:",
    "org:",
]
DATES = [
    "date:2023",
    "date:2023-11",
    "date:2023-11-06",
    "date:[2023-01 to 2023-06]",
    "date:[2023-03 to]",
    "date:[to 2023]",
]
OPERATORS = ["AND", "OR", "OR", "NOT", "ANDNOT", "ANDMAYBE", "and", "or"]


def _word(r: random.Random) -> str:
    x = r.random()
    if x < 0.6:
        return r.choice(VOCABULARY)
    return r.choice(STOP_WORDS) if x < 0.75 else r.choice(ODD_WORDS)


def _unit(r: random.Random, depth: int) -> str:
    x = r.random()
    if x < 0.35:
        unit = _word(r)
    elif x < 0.45:
        words = " ".join(_word(r) for _ in range(r.randint(1, 3)))
        unit = f'"{words}"' + (r.choice(["", "~1", "~3", "~8"]) if r.random() < 0.4 else "")
    elif x < 0.52:
        unit = r.choice(VOCABULARY)[: r.randint(1, 5)] + "*"
    elif x < 0.57:
        word = r.choice(VOCABULARY)
        i = r.randint(1, len(word) - 1)
        unit = word[:i] + r.choice("?*") + word[i + 1 :]
    elif x < 0.64:
        unit = r.choice(VOCABULARY) + r.choice(["~", "~2", "~9"])
    elif x < 0.72:
        unit = r.choice(FIELDS) + (_unit(r, depth + 1) if depth < 2 else _word(r))
    elif x < 0.78:
        unit = r.choice(DATES)
    elif x < 0.88 and depth < 2:
        unit = f"({_clauses(r, depth + 1)})"
    else:
        unit = _word(r)
    if r.random() < 0.06:
        unit += r.choice(["^2", "^0.5"])
    return unit


def _clauses(r: random.Random, depth: int = 0) -> str:
    parts = []
    for i in range(r.randint(1, 4)):
        if i and r.random() < 0.3:
            parts.append(r.choice(OPERATORS))
        prefix = r.choices(["", "-", "+", "NOT "], [10, 2, 2, 1])[0]
        parts.append(prefix + _unit(r, depth))
    return " ".join(parts)


def generated(count: int, seed: int = 20261201) -> list[str]:
    """Return ``count`` queries made of the syntax at random (always the same ones)."""
    r = random.Random(seed)
    return [_clauses(r) for _ in range(count)]


QUERIES = list(dict.fromkeys(HAND_WRITTEN + generated(500)))

# -- comparing Whoosh queries -------------------------------------------------------------


def canon(q: query.Query, boost: float = 1.0, legacy: bool = False) -> tuple:
    """Return a comparable form of a Whoosh query, equal for queries that match the same
    documents with the same word scores: boosts moved onto the words; And, AndNot,
    AndMaybe, Require and Not read as one boolean of required, optional and excluded
    parts (each part sorted, duplicates dropped); nested Ors flattened; date ranges as
    their bounds. With ``legacy``, a SloppyPhrase is read as a Phrase."""
    b = boost * getattr(q, "boost", 1.0)
    if q is query.NullQuery or isinstance(q, type(query.NullQuery)):
        return ("Null",)
    if isinstance(q, query.NumericRange):
        return ("Range", q.fieldname, q.start, q.end)
    if isinstance(q, query.Every):
        return ("Every",)
    if isinstance(q, query.Not | query.AndNot | query.AndMaybe | query.Require | query.And):
        return _boolean(*_parts(q, b, legacy))
    if type(q) is query.Or:
        flat: list[tuple] = []
        for child in q.subqueries:
            part = canon(child, b, legacy)
            flat.extend(part[1] if part[0] == "Or" else [part])
        flat = sorted(set(flat), key=repr)
        return flat[0] if len(flat) == 1 else ("Or", tuple(flat))
    if isinstance(q, query.Phrase):
        kind = "Phrase" if legacy or not isinstance(q, SloppyPhrase) else "SloppyPhrase"
        return (kind, q.fieldname, tuple(q.words), q.slop, round(b, 6))
    if isinstance(q, query.FuzzyTerm):
        return ("Fuzzy", q.fieldname, q.text, q.maxdist, q.prefixlength, round(b, 6))
    return (type(q).__name__, q.fieldname, q.text, round(b, 6))


def _parts(q: query.Query, boost: float, legacy: bool) -> tuple[list, list, list]:
    """Return the (required, optional, excluded) parts of a boolean query."""
    if isinstance(q, query.Not):
        return [], [], _split(canon(q.query, legacy=legacy))
    if isinstance(q, query.AndNot):
        required, optional, excluded = _parts_of(q.a, boost, legacy)
        return required, optional, excluded + _split(canon(q.b, legacy=legacy))
    if isinstance(q, query.AndMaybe):
        required, optional, excluded = _parts_of(q.a, boost, legacy)
        return required, optional + _split(canon(q.b, boost, legacy)), excluded
    # And; Require matches as And does (it is scored by ``a`` alone)
    children = q.subqueries if isinstance(q, query.And) else [q.a, q.b]
    required, optional, excluded = [], [], []
    for child in children:
        more = _parts_of(child, boost, legacy)
        required, optional, excluded = required + more[0], optional + more[1], excluded + more[2]
    return required, optional, excluded


def _parts_of(q: query.Query, boost: float, legacy: bool) -> tuple[list, list, list]:
    part = canon(q, boost, legacy)
    return (list(part[1]), list(part[2]), list(part[3])) if part[0] == "Bool" else ([part], [], [])


def _any(parts: tuple) -> tuple:
    return parts[0] if len(parts) == 1 else ("Or", parts)


def _split(part: tuple) -> list[tuple]:
    return list(part[1]) if part[0] == "Or" else [part]


def _boolean(required: list, optional: list, excluded: list) -> tuple:
    # Excluding "NOT x" requires x
    required = required + [_any(p[3]) for p in excluded if p[0] == "Bool" and not p[1]]
    excluded = [p for p in excluded if not (p[0] == "Bool" and not p[1])]
    parts = [tuple(sorted(set(p), key=repr)) for p in (required, optional, excluded)]
    if len(parts[0]) == 1 and not parts[1] and not parts[2]:
        return parts[0][0]
    return ("Bool", *parts)


def _forms(builder, text: str, legacy: bool = False):
    try:
        parsed = builder.parse(text)
    except BadQuery as exc:
        return ("BadQuery", str(exc)[:20])
    except Exception as exc:  # qparser failing on its own fallback ("NOT NOT x")
        return ("Error", type(exc).__name__)
    any_words = parsed.any_words if parsed.any_words is not None else parsed.all_words
    return canon(parsed.all_words, legacy=legacy), canon(any_words, legacy=legacy)


# -- the rules changed on purpose, and Whoosh's versions of them ------------------------


def _whoosh_several_words(words, fields, all_words):
    """Whoosh: a typed word the analyzer splits becomes, in each field, the AND (all
    words) or OR (any words) of its parts."""
    group = And if all_words else Or
    return Or(tuple(group(tuple(Term(w, (f,)) for w in words)) for f in fields))


def _whoosh_required(required, rest, all_words):
    """Whoosh: with a ``+`` unit in a group every other unit only ranks, even when all
    words are required; a ``+`` on a stop word leaves nothing."""
    if any(isinstance(n, Nothing) for n in required):
        required = [n for n in required if not isinstance(n, Nothing)]
        if not required:
            return Nothing()
    return And(tuple(required), (rest,))


LEGACY_RULES = {
    "_several_words": (
        _whoosh_several_words,
        'a word the index splits ("Israel-Hamas", "U.S.") is a phrase of its parts, '
        "not all of them anywhere (nor, in the fallback, any one of them)",
    ),
    "_required": (
        _whoosh_required,
        "+word is required even in the any-words fallback, and no longer makes the other "
        "words optional when all are required; +stopword no longer empties the query",
    ),
    "_plus_keeps_place": (
        lambda items, all_words: False,
        "+word keeps its place among the words (so their order and operators stay)",
    ),
}
SLOPPY_RULE = "phrase slop follows Lucene (order may change, each move counts), was Whoosh's"


@pytest.fixture(scope="module")
def builders():
    return LegacyQueryBuilder(), QueryBuilder()


def _whoosh_failed(legacy: LegacyQueryBuilder, text: str) -> bool:
    cleaned = clean_query(text)
    if not cleaned:
        return False
    try:
        legacy._and.parse(cleaned)
        legacy._or.parse(cleaned)
    except Exception:
        return True
    return False


QUIRKS = {
    "slop_zero": (
        re.compile(r'"~0'),
        '"a b"~0 is the exact phrase; Whoosh searched the word "0" beside it',
    ),
    "one_word_phrase_weight": (
        re.compile(r'"[^"\s]*"\^'),
        'a one-word phrase keeps its weight ("qatar"^2); Whoosh dropped it',
    ),
    "stop_word_weight": (
        re.compile(r"(^|[\s(])(a|and|not|of|or|the)\^[0-9.]+ (OR|AND) "),
        "the weight of a stop word no longer passes to the word after OR/AND",
    ),
    "stop_word_andmaybe": (
        re.compile(r"(^|[\s(])(a|and|not|of|or|the) ANDMAYBE "),
        "a stop word before ANDMAYBE no longer drops the word after it",
    ),
}


def classify(builders, text: str, monkeypatch) -> str:
    """Return the class of ``text`` (see the module doc); "different" when none fits."""
    legacy, ours = builders
    theirs = _forms(legacy, text)
    if _forms(ours, text) == theirs:
        return "same"
    if _whoosh_failed(legacy, text):
        if theirs[0] in ("Error", "BadQuery"):  # it failed on its fallback too
            return "whoosh_failed"
        plain = classify(builders, _plain(text), monkeypatch)
        return "whoosh_failed" if plain != "different" else "different"
    if theirs[0] == ("Every",) and "*" in text:
        return "every"
    if _legacy_equal(builders, text, monkeypatch):
        return "intended"
    for name, (pattern, _why) in QUIRKS.items():
        if pattern.search(text):
            return name
    return "different"


def _legacy_equal(builders, text: str, monkeypatch, rules=LEGACY_RULES) -> bool:
    legacy, ours = builders
    with monkeypatch.context() as patch:
        for name in rules:
            patch.setattr(parser, name, LEGACY_RULES[name][0])
        return _forms(ours, text, legacy=True) == _forms(legacy, text, legacy=True)


def explained_by(builders, text: str, monkeypatch) -> str:
    """Return the one rule changed on purpose that accounts for an "intended" query
    ("several" when it takes more than one)."""
    for name in ("SloppyPhrase", *LEGACY_RULES):
        rules = () if name == "SloppyPhrase" else (name,)
        if _legacy_equal(builders, text, monkeypatch, rules):
            return name
    return "several"


def test_queries_are_several_hundred_and_cover_the_syntax():
    assert len(QUERIES) >= 500
    text = " ".join(QUERIES)
    for syntax in ('"', "~", "*", "?", "^", "+", "-", "NOT", "OR", "AND", "(", "date:["):
        assert syntax in text, syntax


@pytest.mark.parametrize("text", QUERIES)
def test_parser_agrees_with_whoosh_or_differs_on_purpose(builders, text, monkeypatch):
    assert classify(builders, text, monkeypatch) != "different", text


@pytest.fixture(scope="module")
def sample_searcher(tmp_path_factory):
    from searchsvc.engines.whoosh.storage import IndexLocation

    ix = IndexLocation(build_sample_index(tmp_path_factory.mktemp("diff"))).open()
    searcher = ix.searcher()
    yield searcher
    searcher.close()
    ix.close()


@pytest.mark.parametrize("text", QUERIES)
def test_equivalent_forms_find_the_same_paragraphs(builders, sample_searcher, text):
    legacy, ours = builders
    try:
        theirs, mine = legacy.parse(text), ours.parse(text)
    except Exception:  # refused by ours, or qparser failing: checked above
        return
    # Matched as searches match (numpy): Whoosh's own AndNot matcher lets through
    # documents holding an excluded word.
    docsets = DocSets(sample_searcher)
    for old, new in ((theirs.all_words, mine.all_words), (theirs.any_words, mine.any_words)):
        old = theirs.all_words if old is None else old
        new = mine.all_words if new is None else new
        if canon(old) == canon(new) and repr(old) != repr(new):
            expected = docsets.docs(old, sample_searcher).tolist()
            assert docsets.docs(new, sample_searcher).tolist() == expected, text


def test_report(builders, monkeypatch, capsys):
    found = {q: classify(builders, q, monkeypatch) for q in QUERIES}
    classes = Counter(found.values())
    hand = Counter(found[q] for q in HAND_WRITTEN)
    rules = Counter(
        explained_by(builders, q, monkeypatch) for q, c in found.items() if c == "intended"
    )
    with capsys.disabled():
        print(f"\n{len(QUERIES)} queries: " + ", ".join(f"{k} {v}" for k, v in classes.items()))
        print(
            f"of which {len(HAND_WRITTEN)} hand-written: "
            + ", ".join(f"{k} {v}" for k, v in hand.items())
        )
        print("intended, by rule: " + ", ".join(f"{k} {v}" for k, v in rules.items()))
        for name, (_f, why) in LEGACY_RULES.items():
            print(f"  changed on purpose ({name}): {why}")
        print(f"  changed on purpose (SloppyPhrase): {SLOPPY_RULE}")
        for name, (_p, why) in QUIRKS.items():
            print(f"  Whoosh quirk not kept ({name}): {why}")
    assert classes["different"] == 0
