"""The contract corpus: five short articles written for these tests, with actors,
places, sources and dates chosen so that every contract case has one clear answer."""

from __future__ import annotations

from searchsvc.models import Paragraph, Place

ANKARA = Place("Ankara", "TR", 39.93, 32.86, "city", "Turkey")
ISTANBUL = Place("Istanbul", "TR", 41.01, 28.98, "city", "Turkey")
GAZA = Place("Gaza", "PS", 31.5, 34.47, "city", "Palestine")
CAIRO = Place("Cairo", "EG", 30.04, 31.24, "city", "Egypt")
BLINKEN = "Antony Blinken"
ERDOGAN = "Recep Tayyip Erdoğan"
HAMAS = "Hamas"
SISI = "Abdel Fattah el-Sisi"

LONG = (
    (
        "Traders in the old market spoke about prices, the weather and football for most of "
        "the morning, and the conversation moved slowly from one stall to the next. "
    )
    * 4
    + "Only late in the day did anyone mention the ceasefire, and then briefly. "
    + ("Afterwards the chatter returned to bread, tea and the price of oranges in winter. ") * 6
)


def _article(article_id, path, title, date, source, paragraphs):
    count = len(paragraphs)
    return [
        Paragraph(
            id=f"{article_id}#{n}",
            article_id=article_id,
            position=n,
            count=count,
            text=text,
            title=title,
            date=date,
            source=source,
            url=f"https://news.example/{article_id}",
            path=path,
            actors=list(actors),
            locations=list(places),
        )
        for n, (text, actors, places) in enumerate(paragraphs, 1)
    ]


FILES = {
    "/corpus/blinken.txt": _article(
        "a1",
        "/corpus/blinken.txt",
        "Blinken meets Erdoğan in Ankara",
        "2023-11-06",
        "Wire",
        [
            (
                "Secretary of State Antony Blinken met President Recep Tayyip Erdoğan in Ankara "
                "on Monday to discuss a humanitarian pause.",
                (BLINKEN, ERDOGAN),
                (ANKARA,),
            ),
            (
                "Blinken said the talks were candid & useful, and that <details> would follow.",
                (BLINKEN,),
                (),
            ),
            ("Erdoğan repeated his call for a ceasefire.", (ERDOGAN,), ()),
        ],
    ),
    "/corpus/gaza.txt": _article(
        "b2",
        "/corpus/gaza.txt",
        "Ceasefire talks stall in Cairo",
        "2023-10-20",
        "Daily",
        [
            (
                "Ceasefire talks between Hamas and mediators stalled in Cairo.",
                (HAMAS,),
                (CAIRO, GAZA),
            ),
            (
                "Egyptian officials hosted the talks; Abdel Fattah el-Sisi urged restraint.",
                (SISI,),
                (CAIRO,),
            ),
        ],
    ),
    "/corpus/istanbul.txt": _article(
        "c3",
        "/corpus/istanbul.txt",
        "Markets in Istanbul",
        "2023-12-01",
        "Wire",
        [("Shoppers in Istanbul crowded the bazaar before the holiday.", (), (ISTANBUL,))],
    ),
    "/corpus/market.txt": _article(
        "d4",
        "/corpus/market.txt",
        "A long day at the market",
        None,
        "Daily",
        [(LONG, (), ())],
    ),
    "/corpus/pause.txt": _article(
        "e5",
        "/corpus/pause.txt",
        "Humanitarian pause agreed",
        "2023-11-24",
        "Wire",
        [
            ("A humanitarian pause began on Friday, officials said.", (HAMAS,), (GAZA,)),
            ("Aid lorries crossed into Gaza during the pause.", (), (GAZA,)),
        ],
    ),
}
