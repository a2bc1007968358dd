"""The copies corpus: a wire story and its syndicated copies, a different story on the
same event, a follow-up quoting the original and an unrelated article, written for
these tests.

The copies: ``w1`` (Wire, the original), ``w2`` (Herald: new headline, a dateline,
American spelling, the third paragraph dropped), ``w3`` (Gazette: the last paragraph
replaced, punctuation changed) and ``w4`` (Wire again, republished word for word).
``n1`` (Courier) reports the same strike in its own words; ``f1`` (Wire) follows it up
quoting one sentence of it; ``u1`` is about something else.
"""

from __future__ import annotations

from tests.contract.corpus import _article as article

W1 = [
    "Dock workers at the harbour of Port Elleray walked out on Monday morning, halting "
    "the loading of grain ships after talks over pay and night shifts collapsed late on "
    "Sunday.",
    "The union said its members had been offered a rise of two per cent, which it called "
    "an insult given the rising cost of living, and demanded that the harbour authority "
    "reopen negotiations.",
    "A spokesman for the harbour authority said the offer was fair and that the "
    "organisation would not be pressured by what he described as an unlawful stoppage.",
    "Traders warned that a long strike could leave thousands of tonnes of grain rotting in "
    "warehouses and push up the price of bread across the region by the end of the month.",
]

W2 = [
    "PORT ELLERAY (Herald) - Dock workers at the harbor of Port Elleray walked out on "
    "Monday morning, halting the loading of grain ships after talks over pay and night "
    "shifts collapsed late on Sunday.",
    "The union said its members had been offered a rise of 2 percent, which it called an "
    "insult given the rising cost of living and demanded that the harbor authority "
    "reopen negotiations.",
    "Traders warned that a long strike could leave thousands of tons of grain rotting in "
    "warehouses and push up the price of bread across the region by the end of the month.",
]

W3 = [
    "Dock workers at the harbour of Port Elleray walked out on Monday morning - halting "
    "the loading of grain ships - after talks over pay and night shifts collapsed late on "
    "Sunday.",
    "The union said its members had been offered a rise of two per cent, which it called "
    "an \"insult\" given the rising cost of living, and demanded that the harbour "
    "authority reopen negotiations.",
    "A spokesman for the harbour authority said the offer was fair, and that the "
    "organisation would not be pressured by what he described as an unlawful stoppage.",
    "The Gazette understands that a meeting between both sides could take place as soon "
    "as Thursday, although neither side would confirm it.",
]

N1 = [
    "Grain exports from Port Elleray came to a standstill on Monday as harbour staff "
    "stopped work in a dispute about wages and the rota for overnight shifts.",
    "Union leaders told the Courier that a two per cent offer was far below inflation, "
    "while the harbour authority insisted the strike broke the law.",
]

F1 = [
    "A week after the strike began, ships are still waiting outside Port Elleray and "
    "farmers say their silos are full.",
    "When the walkout started, the harbour authority said the organisation would not be "
    "pressured by what he described as an unlawful stoppage. On Monday it agreed to new "
    "talks with the union, to be chaired by an independent mediator.",
]

U1 = [
    "The city orchestra announced a new season of free concerts in the park, starting "
    "with a programme of film music in early June.",
    "Tickets are not required, but the organisers ask visitors to bring their own chairs "
    "and to leave the lawns as they found them.",
]


def _article(article_id, title, date, source, texts):
    path = f"/copies/{article_id}.txt"
    return path, article(article_id, path, title, date, source, [(t, (), ()) for t in texts])


FILES = dict(
    [
        _article("a1", "Port Elleray dock workers strike over pay", "2024-03-04", "Wire", W1),
        _article("b2", "Harbor walkout halts grain shipments", "2024-03-05", "Herald", W2),
        _article("c3", "Strike at Port Elleray", "2024-03-06", "Gazette", W3),
        _article("d4", "Port Elleray dock workers strike over pay", "2024-03-08", "Wire", W1),
        _article("e5", "Standstill at Port Elleray", "2024-03-04", "Courier", N1),
        _article("f6", "Ships still waiting at Port Elleray", "2024-03-11", "Wire", F1),
        _article("a7", "Free concerts in the park", "2024-03-05", "Courier", U1),
    ]
)

# Paragraph clusters (canonical first) as the corpus is written: which paragraph
# copies which. Paragraphs not named are alone.
CLUSTERS = [
    ["a1#1", "b2#1", "c3#1", "d4#1"],
    ["a1#2", "b2#2", "c3#2", "d4#2"],
    ["a1#3", "c3#3", "d4#3"],
    ["a1#4", "b2#3", "d4#4"],
]
ALONE = ["c3#4", "e5#1", "e5#2", "f6#1", "f6#2", "a7#1", "a7#2"]
