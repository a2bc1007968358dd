"""The query language of searchsvc: user text -> ``ParsedQuery``, a tree of
``searchsvc.query.nodes`` that every engine translates.

Syntax (documented for users in the web help and the OpenAPI description):

- ``word word``: paragraphs containing all the words rank first; when no paragraph
  contains all of them, paragraphs containing some of them are returned instead.
  A word that the index splits into several ("Israel-Hamas", "U.S.") is searched as a
  phrase of them. Lowercase ``and``, ``or``, ``not`` are ordinary words, and being
  stop words (like "the" and "of") they are not searched in headlines and body text.
- ``"exact phrase"``; ``"hakan blinken"~8``: the words within 8 moves of that order
  (Lucene's slop: words may come between, and two words swapped cost 2 moves).
- ``-excluded``, ``+required`` (required even when the search falls back to some of the
  words; the other words then only rank), ``a OR b``, ``a AND b``, ``NOT x``,
  parentheses ``(a OR b) c``. ``ANDNOT``, ``ANDMAYBE``, ``REQUIRE`` and ``^2`` (weight)
  are kept from earlier versions. ``*`` alone matches every paragraph.
- ``word*`` prefix (at least 2 letters before the ``*``), ``wo?d``/``w*rd`` wildcards
  (not at the start), ``word~`` typo-tolerant (``word~2`` allows two edits; at most 2).
- Fields: ``actor:erdogan`` (also ``actors:``, ``person:``, ``org:``),
  ``location:ankara`` (``locations:``, ``place:``), ``country:turkey``, ``title:…``,
  ``source:…``, ``text:…``; ``field:(a OR b)`` applies to the group. Names are matched
  word by word, case and accents folded: ``actor:erdogan`` finds "Recep Tayyip Erdoğan";
  quote several words: ``actor:"tayyip erdogan"``.
- Dates: ``date:2023``, ``date:2023-11``, ``date:2023-11-06``, ``date:"6 November 2023"``,
  ranges ``date:[2023-01 to 2023-06]`` (either end may be left empty: ``date:[2023-03 to]``);
  read by ``searchsvc.dates.date_bounds``, in UTC.

Odd input never fails: control characters are dropped, typographic quotes are read as
``"``, an unbalanced quote is ignored, lone operators and unknown fields are read as
words. Queries longer than ``MAX_QUERY_CHARS`` are refused with ``BadQuery`` (HTTP
400), as are unreadable dates and queries of more than ``MAX_CLAUSES`` terms.

How it works: the text is cut into tokens (words, phrases, operators, fields, ...),
parentheses nest them into groups, neighbouring tokens are joined (``word~``,
``wo*rd``, ``field:unit``, ``unit^2``), and each group becomes a node: ``+``/``-``
pick out required and excluded units, then ``NOT`` binds tightest, then ``AND``, ``OR``,
``ANDNOT``, ``ANDMAYBE``, ``REQUIRE``; what is left is joined by the implicit operator
(AND for ``all_words``, OR for ``any_words``, at every level).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from ..dates import date_bounds
from ..errors import BadQuery
from ..limits import (
    MAX_CLAUSES,
    MAX_FUZZY_EDITS,
    MAX_PHRASE_SLOP,
    MAX_PREFIX_TERMS,
    MAX_QUERY_CHARS,
    MIN_PREFIX_CHARS,
)
from .nodes import (
    DEFAULT_FIELDS,
    And,
    DateRange,
    Everything,
    Field,
    Fuzzy,
    Node,
    Not,
    Nothing,
    Or,
    Phrase,
    Prefix,
    Term,
    Wildcard,
)
from .words import STOP_WORDS, fold, word_spans

FIELD_ALIASES: dict[str, str] = {
    "title": "title",
    "text": "text",
    "actor": "actor",
    "actors": "actor",
    "person": "actor",
    "org": "actor",
    "location": "location",
    "locations": "location",
    "place": "location",
    "country": "country",
    "source": "source",
    "date": "date",
}
TEXT_FIELDS = frozenset(DEFAULT_FIELDS)  # stop words are not searched in these
MAX_DEPTH = 16  # parentheses nested deeper are ignored


@dataclass(frozen=True)
class WordSpan:
    """One searched word and where it was typed: ``text[start:end]`` of the
    ``ParsedQuery`` is the word as the user wrote it. ``field`` is None for the
    default fields (headline and body)."""

    field: Field | None
    word: str
    start: int
    end: int


@dataclass(frozen=True)
class ParsedQuery:
    """A user query parsed once, in the forms a search needs.

    ``all_words`` requires every plain word; ``any_words`` is the fallback where plain
    words are optional (None when it is the same); ``words`` are the plain words of a
    query made only of them (for the phrase boost), in order. ``spans`` are the words
    of terms and phrases with their place in ``text`` (for "did you mean").
    ``empty`` is True when nothing searchable remains.
    """

    text: str
    all_words: Node = field(default_factory=Nothing)
    any_words: Node | None = None
    words: tuple[str, ...] = ()
    spans: tuple[WordSpan, ...] = ()

    @property
    def empty(self) -> bool:
        """Return True when the query has nothing to search for."""
        return isinstance(self.all_words, Nothing)


# -- cleaning ---------------------------------------------------------------------------

_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "«": '"', "»": '"'})


def clean_query(text: str | None) -> str:
    """Return the query text made safe to parse: control characters become spaces,
    typographic quotes become ``"``, an unbalanced final quote is dropped, whitespace
    is collapsed. Raises BadQuery when it is longer than ``MAX_QUERY_CHARS``."""
    if not text:
        return ""
    if len(text) > MAX_QUERY_CHARS:
        raise BadQuery(f"the query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    chars = []
    for ch in text.translate(_QUOTES):
        chars.append(" " if unicodedata.category(ch)[0] in "CZ" and ch != " " else ch)
    cleaned = " ".join("".join(chars).split())
    if cleaned.count('"') % 2:
        cut = cleaned.rfind('"')
        cleaned = " ".join((cleaned[:cut] + " " + cleaned[cut + 1 :]).split())
    return cleaned


# -- tokens -----------------------------------------------------------------------------

# Tried in this order at each position; text no pattern claims is part of a word.
_TOKENS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("ANDNOT", r"(?<=\s)ANDNOT(?=\s)"),
        ("ANDMAYBE", r"(?<=\s)ANDMAYBE(?=\s)"),
        ("every", r"\*:\*"),
        ("quoted", r"(?:^|(?<=\W))'(?P<text>.*?)'(?=\s|\]|[)}]|$)"),
        ("field", r"(?P<name>\w+|\*):"),
        ("wild", r"[*?]"),
        ("phrase", r'"(?P<text>.*?)"(?:~(?P<slop>[0-9]+))?'),
        ("open", r"\("),
        ("close", r"\)"),
        ("NOT", r"(?:^|(?<=[\s()]))NOT(?=\s)"),
        ("AND", r"(?<=\s)AND(?=\s)"),
        ("OR", r"(?<=\s)OR(?=\s)"),
        ("REQUIRE", r"(?:^|(?<=\s))REQUIRE(?=\s)"),
        ("boost", r"\^(?P<boost>[0-9]*(?:\.[0-9]+)?)(?=$|[\s)])"),
        ("plus", r"(?<![^\s(])\+(?=[^\s+])"),
        ("minus", r"(?<![^\s(])-(?=[^\s\-])"),
        ("fuzz", r"(?<=\S)~(?P<edits>[0-9])?(?:/[1-9][0-9]*)?"),
        (
            "range",
            r"(?P<open>[\[{])(?P<start>'[^']*?'\s+|[^\]}]+?(?=[Tt][Oo]))?[Tt][Oo]"
            r"(?P<end>\s+'[^']*?'|[^\]}]+?)?(?P<close>[\]}])",
        ),
        ("space", r"\s+"),
    )
)
_INFIX = ("AND", "OR", "ANDNOT", "ANDMAYBE", "REQUIRE")  # weakest last
_OPERATORS = frozenset(("NOT", *_INFIX))
_UNITS = frozenset(("word", "phrase", "fuzzy", "prefix", "wildcard", "range", "every", "group"))
_TEXTUAL = frozenset(("word", "phrase", "fuzzy"))  # joined with an adjacent * or ?
_BOOSTABLE = frozenset(("word", "phrase", "wild", "group"))


@dataclass
class _Item:
    """A token, then a unit of the query (word, phrase, group, ...) once joined."""

    kind: str
    text: str = ""  # a unit's text (words, phrase, pattern), else the typed token
    start: int = 0  # where ``text`` starts in the query (words and phrases)
    value: object = None  # phrase slop, fuzzy edits, boost, range ends, field name
    field: str | None = None
    boost: float = 1.0
    items: list[_Item] | None = None  # a group's contents
    end: int = 0  # where a token ends in the query


def _tokens(text: str) -> list[_Item]:
    """Return the tokens of cleaned query text, in order."""
    out: list[_Item] = []
    pos, word_start = 0, 0
    while pos < len(text):
        found = _token_at(text, pos)
        if found is None:
            pos += 1
            continue
        if word_start < pos:
            out.append(_Item("word", text[word_start:pos], word_start))
        out.append(found)
        pos = word_start = found.end
    if word_start < len(text):
        out.append(_Item("word", text[word_start:], word_start))
    return out


def _token_at(text: str, pos: int) -> _Item | None:
    """Return the token starting at ``pos`` (the first kind of ``_TOKENS`` that
    matches), or None when the character there is part of a word."""
    for kind, pattern in _TOKENS:
        match = pattern.match(text, pos)
        if match:
            token = _token(kind, match)
            token.end = match.end()
            return token
    return None


def _token(kind: str, match: re.Match[str]) -> _Item:
    typed = match.group()
    if kind == "quoted":
        return _Item("word", match.group("text"), match.start("text"))
    if kind == "phrase":
        slop = match.group("slop")
        return _Item("phrase", match.group("text"), match.start("text"), int(slop or 0))
    if kind == "field":
        return _Item("field", typed, match.start(), match.group("name"))
    if kind == "boost":
        try:
            return _Item("boost", typed, match.start(), float(match.group("boost")))
        except ValueError:  # "^" alone
            return _Item("word", typed, match.start())
    if kind == "fuzz":
        edits = match.group("edits")
        return _Item("fuzz", typed, match.start(), int(edits) if edits else 1)
    if kind == "range":
        start = (match.group("start") or "").strip().strip("'")
        end = (match.group("end") or "").strip().strip("'")
        return _Item("range", typed, match.start(), (start, end))
    return _Item(kind, typed, match.start())


def _nest(tokens: list[_Item]) -> list[_Item]:
    """Return the tokens with parenthesised runs made groups (an unmatched ``)`` is
    dropped; the contents of an unclosed ``(`` join the top level; parentheses nested
    deeper than ``MAX_DEPTH`` are ignored)."""
    stack: list[list[_Item]] = [[]]
    ignored = 0
    for token in tokens:
        if token.kind == "open":
            if len(stack) > MAX_DEPTH:
                ignored += 1
            else:
                stack.append([])
        elif token.kind == "close":
            if ignored:
                ignored -= 1
            elif len(stack) > 1:
                inner = stack.pop()
                stack[-1].append(_Item("group", items=inner))
        else:
            stack[-1].append(token)
    top = stack[0]
    for unclosed in stack[1:]:
        top.extend(unclosed)
    return top


def _join(items: list[_Item]) -> list[_Item]:
    """Return a group's items with neighbouring tokens joined into units: boosts kept
    only right after what they can weigh, ``word~N``, runs of words and ``*``/``?``
    (prefixes and wildcards), ``field:unit``; spaces dropped, boosts applied."""
    for item in items:
        if item.kind == "group":
            item.items = _join(item.items)
    for i, item in enumerate(items):
        if item.kind == "boost" and (i == 0 or items[i - 1].kind not in _BOOSTABLE):
            items[i] = _Item("word", item.text, item.start)
    items = _fuzzy(items)
    items = _wildcards(items)
    items = _fields(items)
    joined: list[_Item] = []
    for item in items:
        if item.kind == "space":
            continue
        if item.kind == "boost":
            if joined and joined[-1].kind in _UNITS:
                joined[-1].boost = float(item.value)  # type: ignore[arg-type]
                continue
            item = _Item("word", item.text, item.start)
        joined.append(item)
    return joined


def _fuzzy(items: list[_Item]) -> list[_Item]:
    out: list[_Item] = []
    for item in items:
        if item.kind == "fuzz":
            if out and out[-1].kind == "word":
                out[-1].kind, out[-1].value = "fuzzy", item.value
                continue
            item = _Item("word", item.text, item.start)
        out.append(item)
    return out


def _wildcards(items: list[_Item]) -> list[_Item]:
    out: list[_Item] = []
    for item in items:
        if out:
            last = out[-1]
            joins = (last.kind == "wild" and item.kind in _TEXTUAL | {"wild"}) or (
                last.kind in _TEXTUAL and item.kind == "wild"
            )
            if joins:
                last.kind, last.text = "wild", last.text + item.text
                continue
        out.append(item)
    for item in out:
        if item.kind == "wild":
            text = item.text
            if len(text) > 1 and "?" not in text and text.find("*") == len(text) - 1:
                item.kind, item.text = "prefix", text[:-1]
            else:
                item.kind = "wildcard"
    return out


def _fields(items: list[_Item]) -> list[_Item]:
    """Return the items with ``field:`` applied: an unknown field's text first becomes
    part of the next word (``http://x`` is words), then a known field goes to the unit
    right after it, or is a word itself when a space follows."""
    merged: list[_Item] = []
    for i, item in enumerate(items):
        if item.kind == "field" and str(item.value) not in FIELD_ALIASES:
            nxt = items[i + 1] if i + 1 < len(items) else None
            if nxt is not None and nxt.kind in _TEXTUAL | {"prefix", "wildcard"}:
                nxt.text, nxt.start = item.text + nxt.text, item.start
                continue
            item = _Item("word", item.text, item.start)
        merged.append(item)
    out: list[_Item] = []
    for i, item in enumerate(merged):
        if i and merged[i - 1].kind == "field" and item.kind not in ("space", "field"):
            if item.kind in _UNITS:
                _set_field(item, FIELD_ALIASES[str(merged[i - 1].value)])
            out[-1] = item  # the field is used (or, before anything else, dropped)
        elif item.kind == "field" and (
            i + 1 == len(merged) or merged[i + 1].kind in ("space", "field")
        ):
            out.append(_Item("word", item.text, item.start))
        else:
            out.append(item)
    return out


def _set_field(item: _Item, name: str) -> None:
    """Give ``item`` (and everything inside a group) the field ``name`` unless it has
    one already."""
    if item.field is None:
        item.field = name
    for inner in item.items or ():
        _set_field(inner, name)


# -- nodes ------------------------------------------------------------------------------


@dataclass
class _Build:
    """What building one form of the tree needs: the implicit operator (``all_words``
    or ``any_words``), location expansion, and where to record word spans."""

    all_words: bool
    expand_locations: bool
    spans: list[WordSpan] | None = None


def _group(items: list[_Item], build: _Build) -> Node:
    """Return the node of one group: ``+``/``-`` marked units, then operators, then the
    implicit operator for what remains."""
    required: list[Node] = []
    banned: list[Node] = []
    rest: list[_Item | Node] = []
    target: list | None = None
    keep_place = _plus_keeps_place(items, build.all_words)
    for item in items:
        if item.kind == "plus":
            target = rest if keep_place else required
        elif item.kind == "minus":
            target = banned
        elif target is not None and item.kind in _UNITS:
            target.append(_unit(item, build))
            target = None
        else:
            rest.append(item if item.kind in _OPERATORS else _unit(item, build))
            target = None
    core = _operators(rest, build)
    if required:
        core = _required(required, core, build.all_words)
    banned = [n for n in banned if not isinstance(n, Nothing)]
    if banned:
        if isinstance(simplify(core), Nothing):
            return Nothing()
        core = And((core, *(Not(b) for b in banned)))
    return simplify(core)


def _plus_keeps_place(items: list[_Item], all_words: bool) -> bool:
    """Return True when ``+unit`` means the same as ``unit`` in this group: every unit
    is required anyway when all words are, unless an operator makes some optional."""
    return all_words and not any(i.kind in ("OR", "ANDMAYBE") for i in items)


def _required(required: list[Node], rest: Node, all_words: bool) -> Node:
    """Return the node of ``+`` units beside the rest of their group: the rest keeps
    its meaning when all words are required, else it only ranks."""
    return And((*required, rest)) if all_words else And(tuple(required), (rest,))


@dataclass
class _Operation:
    """Operands joined by one infix operator (``a AND b AND c``)."""

    op: str
    operands: list[Node]


def _operators(items: list, build: _Build) -> Node:
    """Return the node of units and operators: NOT first, then each infix operator
    in ``_INFIX`` order (left to right), then the implicit operator. An operator
    missing an operand is ignored."""
    items = list(items)
    i = 0
    while i < len(items):
        if isinstance(items[i], _Item) and items[i].kind == "NOT":
            if i + 1 < len(items) and not isinstance(items[i + 1], _Item):
                items[i : i + 2] = [Not(_node(items[i + 1]))]
            else:
                del items[i]
                continue
        i += 1
    for op in _INFIX:
        i = 0
        while i < len(items):
            item = items[i]
            if not (isinstance(item, _Item) and item.kind == op):
                i += 1
                continue
            if 0 < i < len(items) - 1 and not any(
                isinstance(x, _Item) for x in (items[i - 1], items[i + 1])
            ):
                left, right = items[i - 1], items[i + 1]
                if isinstance(left, _Operation) and left.op == op and op in ("AND", "OR"):
                    left.operands.append(_node(right))
                    del items[i : i + 2]
                else:
                    items[i - 1 : i + 2] = [_Operation(op, [_node(left), _node(right)])]
            else:
                del items[i]
    nodes = tuple(_node(x) for x in items if not isinstance(x, _Item))
    return And(nodes) if build.all_words else Or(nodes)


def _node(item) -> Node:
    """Return the node of a built unit or of an ``_Operation``."""
    if not isinstance(item, _Operation):
        return item
    a, b = item.operands[0], item.operands[-1]
    if item.op == "AND" or item.op == "REQUIRE":
        return And(tuple(item.operands))
    if item.op == "OR":
        return Or(tuple(item.operands))
    if item.op == "ANDNOT":
        return Nothing() if isinstance(simplify(a), Nothing) else And((a, Not(b)))
    return And((a,), optional=(b,))  # ANDMAYBE


def _unit(item: _Item, build: _Build) -> Node:
    """Return the node of one unit (word, phrase, group, ...) in its field."""
    name = item.field
    if item.kind == "group":
        node = _group(item.items, build)
    elif item.kind == "every" or (item.kind == "wildcard" and item.text == "*"):
        return Everything()
    elif name == "date":
        return _date(item)
    elif item.kind == "range":
        return Nothing()  # ranges of words are not supported
    else:
        fields = _fields_of(name, build.expand_locations)
        node = _leaf(item, fields, build)
    return _boosted(node, item.boost) if item.boost != 1.0 else node


def _fields_of(name: str | None, expand_locations: bool) -> tuple[Field, ...]:
    if name is None:
        return DEFAULT_FIELDS
    if name == "location" and expand_locations:
        return ("location", "country")
    return (name,)  # type: ignore[return-value]


def _leaf(item: _Item, fields: tuple[Field, ...], build: _Build) -> Node:
    text = item.text
    if item.kind == "prefix":
        folded = fold(text)
        return Prefix(folded, fields) if len(folded) >= MIN_PREFIX_CHARS else Nothing()
    if item.kind == "wildcard":
        folded = fold(text)
        if len(folded) < MIN_PREFIX_CHARS or folded[0] in "*?":
            return Nothing()
        return Wildcard(folded, fields)
    if item.kind == "fuzzy":
        edits = max(1, min(int(item.value), MAX_FUZZY_EDITS))  # type: ignore[call-overload]
        folded = fold(text)
        _record(build, fields, [(folded, item.start, item.start + len(text))])
        return Fuzzy(folded, fields, edits)
    spans = word_spans(text)
    if fields[0] in TEXT_FIELDS:
        spans = [s for s in spans if s[0] not in STOP_WORDS]
    spans = [(w, item.start + s, item.start + e) for w, s, e in spans]
    _record(build, fields, spans)
    words = tuple(w for w, _s, _e in spans)
    if not words:
        return Nothing()
    if len(words) == 1:
        return Term(words[0], fields)
    if item.kind == "phrase":
        return Phrase(words, fields, min(int(item.value or 0), MAX_PHRASE_SLOP))
    return _several_words(words, fields, build.all_words)


def _several_words(words: tuple[str, ...], fields: tuple[Field, ...], all_words: bool) -> Node:
    """Return the node of a typed word the index splits into several ("Israel-Hamas",
    "U.S."): the phrase of them."""
    return Phrase(words, fields)


def _record(build: _Build, fields: tuple[Field, ...], spans: list[tuple[str, int, int]]) -> None:
    if build.spans is None:
        return
    name = None if fields == DEFAULT_FIELDS else fields[0]
    build.spans.extend(WordSpan(name, w, s, e) for w, s, e in spans)


def _date(item: _Item) -> Node:
    """Return the DateRange of a unit in the ``date`` field (Everything for an empty
    one: ``date:[to]``), its ends read by ``searchsvc.dates.date_bounds``."""
    first, last = item.value if item.kind == "range" else (item.text, item.text)  # type: ignore[misc]
    try:
        start, end = date_bounds(first, end=False), date_bounds(last, end=True)
    except BadQuery as exc:
        raise BadQuery(f"{exc} (or date:[FROM to TO])") from exc
    if start is None and end is None:
        return Everything()
    return DateRange(start, end)


def _boosted(node: Node, boost: float) -> Node:
    """Return ``node`` with the boosts of its words multiplied by ``boost``."""
    if isinstance(node, Term | Phrase | Prefix | Wildcard | Fuzzy):
        return replace(node, boost=node.boost * boost)
    if isinstance(node, And):
        return And(
            tuple(_boosted(c, boost) for c in node.children),
            tuple(_boosted(c, boost) for c in node.optional),
        )
    if isinstance(node, Or):
        return Or(tuple(_boosted(c, boost) for c in node.children))
    return node  # Not, DateRange, Everything, Nothing: nothing to weigh


def simplify(node: Node) -> Node:
    """Return ``node`` in its simplest equivalent form: nested And/Or flattened,
    Nothing and duplicates dropped, Everything absorbed, one-child groups replaced by
    the child."""
    if isinstance(node, And):
        children: list[Node] = []
        optional: list[Node] = []
        for child in (simplify(c) for c in node.children):
            if isinstance(child, And):
                children.extend(child.children)
                optional.extend(child.optional)
            elif not isinstance(child, Nothing):
                children.append(child)
        for child in (simplify(c) for c in node.optional):
            if isinstance(child, Or):
                optional.extend(child.children)
            elif not isinstance(child, Nothing | Everything):
                optional.append(child)
        if any(not isinstance(c, Everything) for c in children):
            children = [c for c in children if not isinstance(c, Everything)]
        children, optional = _unique(children), _unique(optional)
        if not children:
            return simplify(Or(tuple(optional)))  # nothing required: any may match
        if not optional and len(children) == 1:
            return children[0]
        return And(tuple(children), tuple(o for o in optional if o not in children))
    if isinstance(node, Or):
        flat: list[Node] = []
        for child in (simplify(c) for c in node.children):
            if isinstance(child, Or):
                flat.extend(child.children)
            elif isinstance(child, Everything):
                return child
            elif not isinstance(child, Nothing):
                flat.append(child)
        flat = _unique(flat)
        if not flat:
            return Nothing()
        return flat[0] if len(flat) == 1 else Or(tuple(flat))
    if isinstance(node, Not):
        child = simplify(node.child)
        if isinstance(child, Nothing):
            return child
        if isinstance(child, Everything):
            return Nothing()
        if isinstance(child, Not):
            return child.child
        return Not(child)
    return node


def _unique(nodes: list[Node]) -> list[Node]:
    return list(dict.fromkeys(nodes))


def count_clauses(node: Node) -> int:
    """Return the number of searched terms of ``node``: each word, phrase, prefix,
    wildcard or typo-tolerant word counts once per field it searches."""
    if isinstance(node, Term | Phrase | Prefix | Wildcard | Fuzzy):
        return len(node.fields)
    if isinstance(node, And):
        return sum(count_clauses(c) for c in node.children + node.optional)
    if isinstance(node, Or):
        return sum(count_clauses(c) for c in node.children)
    if isinstance(node, Not):
        return count_clauses(node.child)
    return 0 if isinstance(node, Nothing) else 1


def _plain_words(node: Node) -> tuple[str, ...]:
    """Return the words of a query made only of plain words (each a Term in the
    default fields), in order; else ()."""
    children = node.children if isinstance(node, And) and not node.optional else (node,)
    words = []
    for child in children:
        if not isinstance(child, Term) or child.fields != DEFAULT_FIELDS:
            return ()
        words.append(child.word)
    return tuple(words)


def parse_query(text: str | None, expand_locations: bool = False) -> ParsedQuery:
    """Return the ParsedQuery of ``text`` (see the module doc for the syntax); with
    ``expand_locations`` a location also matches the country field (``location:turkey``
    finds places in Turkey). Raises BadQuery for over-long queries, unreadable dates
    and too many terms; never anything else."""
    cleaned = clean_query(text)
    if not cleaned:
        return ParsedQuery("")
    items = _join(_nest(_tokens(cleaned)))
    spans: list[WordSpan] = []
    all_words = _group(items, _Build(True, expand_locations, spans))
    any_words = _group(items, _Build(False, expand_locations))
    for node in (all_words, any_words):
        if count_clauses(node) > MAX_CLAUSES:
            raise BadQuery(f"the query has too many terms (the limit is {MAX_CLAUSES})")
    return ParsedQuery(
        text=cleaned,
        all_words=all_words,
        any_words=None if any_words == all_words else any_words,
        words=_plain_words(all_words),
        spans=tuple(spans),
    )


# -- describe ---------------------------------------------------------------------------


def describe(node: Node | None, expansions: Mapping[Node, int] | None = None) -> str:
    """Return the query ``node`` as readable text in the query language, with user
    field names and the words as searched (folded, stop words dropped, unstemmed):
    ``actor:erdogan AND ceasefire``, ``"hakan blinken"~8``, ``date:2023-11``.

    ``expansions`` gives, for a prefix or wildcard node the engine found broader than
    ``MAX_PREFIX_TERMS`` index words, how many words it expands to; the text then says
    that only the most frequent of them rank: ``res* (ranked by its 64 most frequent
    of 556 words)`` (every one of them still matches)."""
    if node is None:
        return ""
    return _describe(node, top=True, expansions=expansions or {})


def _describe(node: Node, top: bool = False, expansions: Mapping[Node, int] | None = None) -> str:
    expansions = expansions or {}
    if isinstance(node, Term):
        return _fielded(node.word + _weight(node.boost), node.fields)
    if isinstance(node, Phrase):
        slop = f"~{node.slop}" if node.slop else ""
        return _fielded(f'"{" ".join(node.words)}"{slop}{_weight(node.boost)}', node.fields)
    if isinstance(node, Prefix):
        text = _fielded(f"{node.text}*{_weight(node.boost)}", node.fields)
        return text + _ranked(expansions.get(node))
    if isinstance(node, Wildcard):
        return _fielded(node.pattern + _weight(node.boost), node.fields) + _ranked(
            expansions.get(node)
        )
    if isinstance(node, Fuzzy):
        edits = "~" if node.edits == 1 else f"~{node.edits}"
        return _fielded(node.word + edits + _weight(node.boost), node.fields)
    if isinstance(node, DateRange):
        return _describe_dates(node)
    if isinstance(node, Everything):
        return "*"
    if isinstance(node, Nothing):
        return ""
    if isinstance(node, Not):
        return "NOT " + _describe(node.child, expansions=expansions)
    if isinstance(node, Or):
        text = " OR ".join(_describe(c, expansions=expansions) for c in node.children)
    else:
        text = " AND ".join(_describe(c, expansions=expansions) for c in node.children)
        if node.optional:
            optional = " OR ".join(_describe(c, expansions=expansions) for c in node.optional)
            text = f"{text} ANDMAYBE {optional}"
    return text if top else f"({text})"


def _ranked(words: int | None) -> str:
    """Return the note of a prefix or wildcard broader than ``MAX_PREFIX_TERMS`` words."""
    if words is None or words <= MAX_PREFIX_TERMS:
        return ""
    return f" (ranked by its {MAX_PREFIX_TERMS} most frequent of {words:,} words)"


def _weight(boost: float) -> str:
    return "" if boost == 1.0 else f"^{boost:g}"


def _fielded(text: str, fields: tuple[Field, ...]) -> str:
    if fields == DEFAULT_FIELDS:
        return text
    if len(fields) == 1:
        return f"{fields[0]}:{text}"
    return "(" + " OR ".join(f"{f}:{text}" for f in fields) + ")"


def _describe_dates(node: DateRange) -> str:
    ends = [(value, end) for value, end in ((node.start, False), (node.end, True)) if value]
    # Both ends at the finest precision either needs (a month stays "2023-01", not "2023").
    precision = max((_precision(value, end) for value, end in ends), default=0)
    start = _date_text(node.start, precision) if node.start else ""
    end = _date_text(node.end, precision) if node.end else ""
    if start and start == end:
        return f"date:{start}"
    return f"date:[{start} TO {end}]".replace("[ TO", "[TO").replace(" ]", "]")


def _precision(value: datetime, end: bool) -> int:
    """Return how precisely a range end must be written to read back: 0 (a year),
    1 (a month), 2 (a day) or 3 (the full timestamp)."""
    for precision in range(3):
        if date_bounds(_date_text(value, precision), end=end) == value:
            return precision
    return 3


def _date_text(value: datetime, precision: int) -> str:
    texts = (f"{value.year:04d}", f"{value.year:04d}-{value.month:02d}", f"{value.date()}")
    return texts[precision] if precision < 3 else value.isoformat()
