"""The names list (``data/names.tsv``): well-known names the model misses or mislabels.

The model learnt from 1996 newswire; it has never seen "BioNTech", "Banxico" or "Ursula
von der Leyen". The list is data (name, CoNLL label, use) and this module finds its
names in a text. How a found name meets the model's spans is decided in
``extract.paragraph_mentions`` (see docs/entities.md, "Names list"); here only: where in
the text does a listed name stand, as a name and not inside a longer word or name.

Rules for a match (all on the accent-folded text, offsets unchanged):

- whole words: not glued to letters or digits on either side, nor part of a dotted word
  ("Amazon.com"), nor the tail of a hyphenated name ("Ocasio-Cortez" holds no "Cortez"),
  except after a listed name ("Pfizer-BioNTech") or a lower-case word ("anti-Pfizer");
  a hyphen after the name is fine before a lower-case word ("Maryland-based");
- the case as listed, or any case with the same first character unless the text is all
  lower case ("Biontech", "NVIDIA" match "BioNTech", "Nvidia"; "apple" never "Apple"); a
  name listed in lower case ("euro") only as listed. In an all-caps line any case, for
  ``add`` names of four letters or more ("PFIZER CUTS FORECAST");
- a one-word person name next to another capitalised word is left alone (that is a
  longer name the list does not know: "Hunter Biden", "Trump Tower");
- an organisation followed by a company-form word takes it in ("Pfizer Inc", "Nomura
  Holdings"), as CoNLL spans do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from searchsvc.errors import SearchsvcError

NAMES_PATH = Path(__file__).resolve().parent / "data" / "names.tsv"
LABELS = ("PER", "ORG", "LOC", "MISC")
USES = ("add", "fix")

# Company-form words an organisation's name runs on into (CoNLL: "Pfizer Inc" is one ORG).
_COMPANY_FORM = re.compile(
    r" (?:Inc\.?|Corp\.?|Corporation|Co\.?|Ltd\.?|Limited|plc|PLC|AG|SE|SA|NV|N\.V\.|LLC"
    r"|GmbH|ASA|Group|Holdings)(?![\w&])"
)
_CAPITAL_WORD_BEFORE = re.compile(r"[A-Z][\w'.-]*[ \t]+$")
_CAPITAL_WORD_AFTER = re.compile(r"[ \t]+[A-Z]")


@dataclass(frozen=True)
class KnownName:
    """One row of the names list."""

    form: str  # the name as listed, accents folded
    label: str  # PER, ORG, LOC or MISC
    add: bool  # True: found in any text; False: only corrects a span the model found


@dataclass(frozen=True)
class NameHit:
    """A listed name found in a text: ``text[start:end]`` is it (with a company form)."""

    start: int
    end: int
    name: KnownName


@lru_cache(maxsize=1)
def listed_names() -> dict[str, list[KnownName]]:
    """Return the names list indexed by the first word of each name (lower case), the
    longest names first. Raises SearchsvcError naming a malformed line."""
    index: dict[str, list[KnownName]] = {}
    if not NAMES_PATH.exists():
        return index
    for number, line in enumerate(NAMES_PATH.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 3 or parts[1] not in LABELS or parts[2] not in USES or not parts[0]:
            raise SearchsvcError(
                f"{NAMES_PATH}:{number}: expected 'name<TAB>PER|ORG|LOC|MISC<TAB>add|fix', "
                f"got {line!r}"
            )
        form = _plain(parts[0].strip())
        first = _FIRST_WORD.match(form.lower())
        if first is None:
            raise SearchsvcError(f"{NAMES_PATH}:{number}: a name must start with a letter or digit")
        index.setdefault(first.group(0), []).append(KnownName(form, parts[1], parts[2] == "add"))
    for names in index.values():
        names.sort(key=lambda n: len(n.form), reverse=True)
    return index


def find_names(folded: str, caps_lines: list[tuple[int, int]] = ()) -> list[NameHit]:
    """Return the listed names standing in ``folded`` (a text with accents folded to
    ASCII, same length as the original), left to right, longest first, not overlapping.

    ``caps_lines`` are the (start, end) ranges of all-caps lines, where case is ignored.
    """
    if not folded:
        return []
    lower = folded.lower()
    if len(lower) != len(folded):  # a character whose lower case is longer: exact case only
        lower = folded
    hits: list[NameHit] = []
    index = listed_names()
    pos = 0
    for m in _WORD.finditer(lower):
        candidates = index.get(m.group(0))
        if candidates is None or m.start() < pos:
            continue
        caps = any(lo <= m.start() < hi for lo, hi in caps_lines)
        hit = _match_at(folded, lower, m.start(), caps, hits, candidates)
        if hit is not None:
            hits.append(hit)
            pos = hit.end
    return hits


_WORD = re.compile(r"(?<![\w'\u2019.])\w+")
_FIRST_WORD = re.compile(r"\w+")
_WORD_BEFORE_HYPHEN = re.compile(r"\w+$")


def _match_at(
    folded: str,
    lower: str,
    start: int,
    caps: bool,
    hits: list[NameHit],
    candidates: list[KnownName],
) -> NameHit | None:
    """Return the longest of ``candidates`` standing at ``start``, or None."""
    if start > 0 and folded[start - 1] == "-" and not _after_hyphen_ok(folded, start, hits):
        return None
    for name in candidates:
        end = start + len(name.form)
        if lower[start:end] != name.form.lower():
            continue
        if not _case_ok(folded[start:end], name, caps) or not _ends_word(folded, lower, end):
            continue
        if (
            name.label == "PER"
            and " " not in name.form
            and not caps
            and _next_to_capital(folded, start, end)
        ):
            continue
        if name.label == "ORG" and not name.form.endswith(("Inc", "Group", "Holdings")):
            form = _COMPANY_FORM.match(folded, end)
            if form is not None:
                end = form.end()
        return NameHit(start, end, name)
    return None


def _after_hyphen_ok(folded: str, start: int, hits: list[NameHit]) -> bool:
    """Return whether a name may start right after the hyphen before ``start``."""
    if hits and hits[-1].end == start - 1:
        return True  # "Pfizer-BioNTech"
    word = _WORD_BEFORE_HYPHEN.search(folded, 0, start - 1)
    return word is not None and word.group(0)[0].islower()  # "anti-Pfizer", not "Ocasio-Cortez"


def _case_ok(segment: str, name: KnownName, caps: bool) -> bool:
    """Return whether ``segment`` is written as the listed name may be written."""
    if segment == name.form:
        return True
    if caps and name.add and sum(ch.isalpha() for ch in name.form) >= 4:
        return True
    if name.form.islower() or segment.islower():
        return False
    # every word starts as listed: "Biontech" is "BioNTech", "Islamic state" no "Islamic State"
    return all(
        got[:1] == want[:1]
        for got, want in zip(segment.split(" "), name.form.split(" "), strict=False)
    )


def _ends_word(folded: str, lower: str, end: int) -> bool:
    """Return whether a name ending at ``end`` ends a word there."""
    nxt = folded[end : end + 1]
    if not nxt:
        return True
    if nxt.isalnum() or nxt == "_":
        return False
    after = folded[end + 1 : end + 2]
    if nxt == ".":
        return not after.isalnum()  # "Amazon.com" is one word
    if nxt in "-\u2010\u2011":
        # "Maryland-based" yes; "Ocasio-Cortez", "F-35" no, unless a listed name follows
        if after.islower():
            return True
        return bool(after) and after.isupper() and _starts_listed_name(folded, lower, end + 1)
    if nxt in "'\u2019":
        return not after.isalpha() or (after in "sS" and not folded[end + 2 : end + 3].isalnum())
    return True


def _starts_listed_name(folded: str, lower: str, start: int) -> bool:
    """Return whether some listed name is written at ``start`` (checked case-sensitively)."""
    first = _FIRST_WORD.match(lower, start)
    return first is not None and any(
        folded.startswith(name.form, start) and _ends_word(folded, lower, start + len(name.form))
        for name in listed_names().get(first.group(0), ())
    )


def _next_to_capital(folded: str, start: int, end: int) -> bool:
    """Return whether a capitalised word (not a function word such as "When") stands right
    before or after ``folded[start:end]``."""
    line_start = folded.rfind("\n", 0, start) + 1
    before = _CAPITAL_WORD_BEFORE.search(folded[max(line_start, start - 40) : start])
    if before is not None and before.group(0).strip().lower() not in _function_words():
        return True
    return _CAPITAL_WORD_AFTER.match(folded, end) is not None


@lru_cache(maxsize=1)
def _function_words() -> frozenset[str]:
    """Return spaCy's English stop words (lower case)."""
    from spacy.lang.en.stop_words import STOP_WORDS

    return frozenset(w.lower() for w in STOP_WORDS)


def _plain(text: str) -> str:
    """Return ``text`` with accented Latin letters folded as the extractor folds the text
    it searches (case kept, same length): "Söder" -> "Soder"."""
    from searchsvc.entities.extract import _fold_table  # extract imports this module

    return text.translate(_fold_table())


def lookup(surface: str) -> KnownName | None:
    """Return the listed name written exactly as ``surface`` (accents ignored), or None."""
    form = _plain(surface)
    first = _FIRST_WORD.match(form.lower())
    for name in listed_names().get(first.group(0) if first else "", ()):
        if name.form == form:
            return name
    return None
