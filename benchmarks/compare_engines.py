"""Compare two engines holding the same files: totals, facets, top hits, suggestions.

    searchsvc reindex --index /tmp/ix-w ../shared/corpus/bbc ../shared/seed/blinken-turkey.txt
    searchsvc reindex --index http://127.0.0.1:9200/news ../shared/corpus/bbc ../shared/seed/...
    python benchmarks/compare_engines.py /tmp/ix-w http://127.0.0.1:9200/news

Prints, per known query, both totals, whether the first hit and the actor facets agree,
and how many of the top five hits both return (scores differ between engines, so the
order of equally good hits may too).
"""

import sys

from searchsvc.engine import open_engine
from searchsvc.models import SearchRequest

QUERIES = [
    "actor:erdogan ceasefire",
    '"humanitarian pause"',
    "location:ankara",
    "blair election",
    "mobile phone*",
    "economy growth",
    "chelsea OR arsenal",
    "iraq -war",
    '"hakan blinken"~8',
    "humanitarain",
    "film oscar",
    "gordon brown budget",
]


def main(first: str, second: str) -> None:
    """Print the comparison of the engines at ``first`` and ``second``."""
    engines = {"first": open_engine(first).reader(), "second": open_engine(second).reader()}
    for name, reader in engines.items():
        stats = reader.stats()
        print(f"{name}: {stats.documents:,} paragraphs, {stats.articles:,} articles")
    for q in QUERIES:
        a, b = (r.search(SearchRequest(q=q, per_page=5)) for r in engines.values())
        top_a, top_b = [h.id for h in a.hits], [h.id for h in b.hits]
        facets_a = [(f.value, f.count) for f in a.facets["actors"][:3]]
        facets_b = [(f.value, f.count) for f in b.facets["actors"][:3]]
        print(
            f"{q!r:32} total {a.total:>5} / {b.total:>5}  first hit same: "
            f"{top_a[:1] == top_b[:1]}  top 5 shared: {len(set(top_a) & set(top_b))}  "
            f"actor facets same: {facets_a == facets_b}  did you mean: "
            f"{a.suggestion!r} / {b.suggestion!r}"
        )


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
