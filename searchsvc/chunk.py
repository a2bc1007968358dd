"""Article -> paragraph documents.

The rule, applied in this order to the parsed paragraphs of one article:

1. Whitespace is collapsed; empty paragraphs, a repeat of the headline and exact
   repeats of an earlier paragraph are dropped.
2. Boilerplate is dropped: a paragraph of at most ``BOILERPLATE_MAX_WORDS`` words that
   matches a known pattern ("Share this article", "Advertisement", "Read more:",
   "All rights reserved", "Sign up for our newsletter", ...).
3. A paragraph that cannot stand alone is merged with the next one: one ending in a
   colon ("He added:") or one with fewer than ``MIN_WORDS`` words. The last paragraph,
   if short, is merged into the one before it. (A short quote of ``MIN_WORDS`` words or
   more stands alone.)
4. A paragraph longer than ``MAX_CHARS`` characters is split at sentence ends (or at
   spaces when a sentence is itself longer), so no document exceeds ``MAX_CHARS``; this
   also keeps every paragraph under Whoosh's highlighting limit.
5. An article yields at most ``MAX_PARAGRAPHS`` paragraphs; the rest is dropped and
   counted in the indexer's summary.

Each survivor becomes a ``Paragraph`` with id ``<article-id>#<n>``, ``n`` counting from 1.
"""

from __future__ import annotations

import re

from .models import Article, Paragraph

MIN_WORDS = 4
MAX_CHARS = 4000
MAX_PARAGRAPHS = 2000
BOILERPLATE_MAX_WORDS = 12

_BOILERPLATE = re.compile(
    r"""^(?:
        advertisement | advertising | sponsored(?:\scontent)? |
        share(?:\s(?:this|on|via)\b.*)? | tweet | print | email |
        (?:read|see)\s(?:more|also)\b.* | related(?:\s(?:stories|articles|content))?:?.* |
        (?:click|tap)\shere\b.* | (?:sign\sup|subscribe)\b.* |
        follow\sus\b.* | (?:image|photo|video)\s(?:caption|copyright|credit)\b.* |
        (?:©|\(c\)|copyright)\s.* | .*\ball\srights\sreserved\.? |
        (?:this\s)?(?:site|website)\suses\scookies\b.* | accept(?:\sall)?\scookies |
        skip\sto\s(?:content|main\scontent) | comments? | loading\.*
    )$""",
    re.IGNORECASE | re.VERBOSE,
)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")


def normalize_space(text: str) -> str:
    """Return text with every run of whitespace (incl. NBSP) collapsed to one space."""
    return " ".join(text.replace("\x00", " ").split())


def is_boilerplate(text: str) -> bool:
    """Return True for a short paragraph that is site furniture, not article text."""
    if len(text.split()) > BOILERPLATE_MAX_WORDS:
        return False
    return bool(_BOILERPLATE.match(text.strip(" .:|-–—•")))


def _stands_alone(text: str) -> bool:
    return not text.endswith(":") and len(text.split()) >= MIN_WORDS


def split_long(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Return ``text`` cut into pieces of at most ``limit`` characters, at sentence
    ends where possible, else at spaces, else hard."""
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        while len(sentence) > limit:
            cut = sentence.rfind(" ", 0, limit)
            cut = cut if cut > limit // 2 else limit
            head, sentence = sentence[:cut].strip(), sentence[cut:].strip()
            if current:
                pieces.append(current)
                current = ""
            pieces.append(head)
        if current and len(current) + 1 + len(sentence) > limit:
            pieces.append(current)
            current = sentence
        else:
            current = f"{current} {sentence}" if current else sentence
    if current:
        pieces.append(current)
    return [p.strip() for p in pieces if p.strip()]


def clean_paragraphs(title: str, paragraphs: list[str]) -> list[str]:
    """Return the article's paragraphs after the chunking rule (see module docstring)."""
    seen: set[str] = set()
    kept: list[str] = []
    title_key = normalize_space(title).casefold()
    for raw in paragraphs:
        text = normalize_space(raw)
        key = text.casefold()
        if not text or key == title_key or key in seen or is_boilerplate(text):
            continue
        seen.add(key)
        kept.append(text)

    merged: list[str] = []
    pending = ""
    for text in kept:
        text = f"{pending} {text}" if pending else text
        pending = ""
        if _stands_alone(text):
            merged.append(text)
        else:
            pending = text
    if pending:
        if merged:
            merged[-1] = f"{merged[-1]} {pending}"
        else:
            merged.append(pending)

    result: list[str] = []
    for text in merged:
        result.extend(split_long(text))
    return result[:MAX_PARAGRAPHS]


def chunk_article(article: Article) -> list[Paragraph]:
    """Return the paragraph documents of an article (without entities yet)."""
    texts = clean_paragraphs(article.title, article.paragraphs)
    count = len(texts)
    return [
        Paragraph(
            id=f"{article.id}#{n}",
            article_id=article.id,
            position=n,
            count=count,
            text=text,
            title=normalize_space(article.title),
            date=article.date,
            source=article.source,
            url=article.url,
            author=article.author,
            path=article.path,
        )
        for n, text in enumerate(texts, start=1)
    ]
