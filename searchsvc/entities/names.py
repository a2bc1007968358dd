"""One name per entity across the archive: the rule that maps the short forms of a
person's name used in some articles ("Recep Erdogan", "Erdogan") to the one full name
the archive knows ("Recep Tayyip Erdogan"), conservatively: a short form that could be
two different people stays as it is.

The rule (docs/entities.md, "One name across the archive") works on the names the
extractor gives after resolving each article on its own, with how often each was named
as a person or an organisation, and the other actors named beside it:

- Names with the same ``name_key`` (case, accents, dots) are one name, shown in its
  commonest spelling (an alias-table canonical name first).
- A *person* name (named as a person more often than as an organisation) resolves to a
  longer person name that keeps its first and last words and its word order ("Recep
  Erdogan" in "Recep Tayyip Erdogan"), or, for a one-word name, that ends with it (the
  lone surname "Erdogan") -- when exactly one such longer name exists, after resolving
  the longer names the same way. With two ("Boris Johnson", "Andrew Johnson"), "Johnson"
  stays as it is.
- No candidate is a longer name named in fewer than half as many paragraphs as the short
  one (more likely an extraction mistake, "Vote Tory", or another person, "Letisha
  Shakespeare", than the one the short form means), nor one that reads as a slice of a
  sentence ("Gordon Brown. Rover", "Brown's Budget").
- A short form also needs something in common with its full name: other actors named
  both in an article naming the short form and in one naming the full name (a lone
  "Blinken" and "Antony Blinken" count as one). One for a variant ("Jerry Lewis", among
  film people, is not "Jerry Lee Lewis", among musicians); two for a one-word name (the
  footballer "Ferdinand", named beside "Keane" and "Howard" in one match report, is not
  the band "Franz Ferdinand", named beside the bands Keane in one article and Muse's
  Dominic Howard in another). And a one-word name that begins a known person's name
  ("Paul", as in "Paul Scholes") may be a first name: it is not resolved.
- Words are compared folded (``name_key``), a hyphenated word as one word: "Smith" is
  not the last word of "Clive Stafford-Smith".
- Alias-table canonical names are never resolved to anything else; organisations are
  never resolved (only their spelling is made one).

Apart from the first-name and context tests, only names sharing their last word can
affect one another, so the rule runs on such a *group* at a time (``group_of``);
``searchsvc.entities.registry`` keeps the counts of a whole archive and applies it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from searchsvc.entities.normalize import clean_display, name_key
from searchsvc.models import Entity

#: Other actors kept per name and file, for the context test.
MAX_COMPANIONS = 24
#: Other actors a short form and its full name must have in common: a one-word name,
#: weaker evidence of one person, needs more of them.
MIN_SHARED_ONE_WORD = 2
MIN_SHARED_VARIANT = 1

# A full stop after a word (not an initial) or a possessive inside a name: a mention
# that ran across a sentence or a phrase.
_SENTENCE_SLICE = re.compile(r"[^\W\d_]{3,}\.\s|['\u2019]s\s")


@dataclass
class NameCount:
    """How many paragraphs name ``name``, in how many of them it is a person or an
    organisation (neither, when only the alias table named it), and the keys of other
    actors named in the same articles (``companions``, at most ``MAX_COMPANIONS``)."""

    name: str
    paragraphs: int = 0
    person: int = 0
    organisation: int = 0
    companions: frozenset[str] = field(default_factory=frozenset)

    def add(self, other: NameCount) -> None:
        """Add ``other``'s counts to these (companions are not added up)."""
        self.paragraphs += other.paragraphs
        self.person += other.person
        self.organisation += other.organisation


def is_person(count: NameCount) -> bool:
    """True when a name is named as a person more often than as an organisation."""
    return count.person > count.organisation


@lru_cache(maxsize=65536)
def name_words(name: str) -> tuple[str, ...]:
    """Return the words of a name, each as its ``name_key`` (a hyphenated word stays one
    word: ``"Clive Stafford-Smith"`` -> ``("clive", "stafford-smith")``)."""
    words = (name_key(word).replace(" ", "-") for word in clean_display(name).split())
    return tuple(word for word in words if word)


def first_word(name: str) -> str | None:
    """Return the first word of a name of two or more words, else None."""
    words = name_words(name)
    return words[0] if len(words) > 1 else None


def group_of(name: str) -> str:
    """Return the group of a name: its last word ("" for a name without one).
    Resolving a name needs only the names of its group."""
    words = name_words(name)
    return words[-1] if words else ""


def tally(articles: Iterable[list[list[Entity]]]) -> list[NameCount]:
    """Return the actor names of some articles (each a list of its paragraphs'
    entities) with their counts: each paragraph counts once per name, as a person if
    any of its mentions is one."""
    counts: dict[str, NameCount] = {}
    companions: dict[str, set[str]] = {}
    for article in articles:
        named: set[str] = set()
        for entities in article:
            kinds: dict[str, set[str | None]] = {}
            for ent in entities:
                if ent.label == "actor":
                    kinds.setdefault(ent.name, set()).add(ent.kind)
            for name, seen in kinds.items():
                count = counts.setdefault(name, NameCount(name))
                count.paragraphs += 1
                if "person" in seen:
                    count.person += 1
                elif "organisation" in seen:
                    count.organisation += 1
            named.update(kinds)
        keys = {name: name_key(name) for name in named}
        for name in named:
            found = companions.setdefault(name, set())
            if len(found) < MAX_COMPANIONS:
                found.update(sorted(k for other, k in keys.items() if other != name))
    for name, count in counts.items():
        count.companions = frozenset(sorted(companions.get(name, ()))[:MAX_COMPANIONS])
    return list(counts.values())


@lru_cache(maxsize=1)
def alias_canonical_names() -> frozenset[str]:
    """Return the alias table's canonical names (never resolved to another name)."""
    from searchsvc.entities.resources import aliases

    return frozenset(a.canonical for a in aliases().values())


def shared_companions(mine: Collection[str], theirs: Collection[str]) -> int:
    """Return how many of the actor keys ``mine`` are also among ``theirs``, a one-word
    key matching a longer key that ends with it ("blinken", "antony blinken")."""
    their_last = {key.rsplit(" ", 1)[-1] for key in theirs if " " in key}
    their_single = {key for key in theirs if " " not in key}
    shared = 0
    for key in mine:
        if key in theirs:
            shared += 1
        elif " " in key:
            shared += key.rsplit(" ", 1)[-1] in their_single
        else:
            shared += key in their_last
    return shared


def _is_part_of(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    """True when the words ``short`` may name the person ``long`` names: its last word
    alone, or its first and last words with some of its middle ones, in order."""
    if len(short) >= len(long):
        return False
    if len(short) == 1:
        return long[-1] == short[0]
    if short[0] != long[0] or short[-1] != long[-1]:
        return False
    rest = iter(long[1:-1])
    return all(word in rest for word in short[1:-1])


def resolve_group(
    counts: Iterable[NameCount],
    first_words: Collection[str] = (),
    shared: Callable[[str, str], int] | None = None,
    fixed: Collection[str] | None = None,
) -> dict[str, str]:
    """Return ``{name: canonical name}`` for every name of one group (see the module
    docstring for the rule).

    ``first_words`` are the first words (keys) of the archive's person names of two
    words or more; ``shared(short, full)`` is the most other actors that an article
    naming one name of the group and an article naming the other both name (None: the
    context test is skipped); ``fixed`` holds the names never resolved to another name,
    whose spelling is preferred (default: the alias table's canonical names).
    """
    if fixed is None:
        fixed = alias_canonical_names()
    fixed_keys = {name_key(name) for name in fixed}
    by_key: dict[str, NameCount] = {}
    spellings: dict[str, dict[str, int]] = {}
    for count in counts:
        key = name_key(count.name)
        total = by_key.setdefault(key, NameCount(key))
        total.add(count)
        forms = spellings.setdefault(key, {})
        forms[count.name] = forms.get(count.name, 0) + count.paragraphs
    shown = {
        key: min(forms, key=lambda f: (f not in fixed, -forms[f], f))
        for key, forms in spellings.items()
    }
    people = {
        key: name_words(shown[key]) for key, total in by_key.items() if is_person(total) and key
    }
    plausible = {
        key for key in people if not any(_SENTENCE_SLICE.search(f) for f in spellings[key])
    }
    canonical: dict[str, str] = {key: key for key in by_key}
    for key in sorted(people, key=lambda k: -len(people[k])):
        words = people[key]
        if key in fixed_keys or (len(words) == 1 and key in first_words):
            continue
        least = by_key[key].paragraphs / 2
        targets = {
            canonical[other]
            for other in plausible
            if by_key[other].paragraphs >= least and _is_part_of(words, people[other])
        }
        if len(targets) != 1:
            continue
        target = targets.pop()
        need = MIN_SHARED_ONE_WORD if len(words) == 1 else MIN_SHARED_VARIANT
        if shared is not None and shared(shown[key], shown[target]) < need:
            continue
        canonical[key] = target
    return {form: shown[canonical[key]] for key, forms in spellings.items() for form in forms}
