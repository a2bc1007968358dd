"""Near-duplicate copies: signatures of texts, the band keys that find candidates, and
the clusters that fold copies into one story. No engine code: the engines store what
``sign_articles`` computes and hand back signatures; everything else is here.

How it works (docs/duplicates.md tells the whole story):

1. **Words**: the text is folded (case, accents), numbers lose their thousands
   separators, ``per cent`` becomes ``percent``, every word is reduced by a few
   spelling rules that map British and American spellings to one form (``colour`` and
   ``color``, ``organise`` and ``organize``, ``centre`` and ``center``, ``travelled`` and
   ``traveled``), and a short list of function words is dropped.
2. **Shingles**: every run of ``shingle`` consecutive words, hashed to 64 bits (a text of
   fewer words is one shingle).
3. **MinHash**: ``bands * rows`` hash functions; for each, the smallest hash over the
   text's shingles. Two texts agree on one of these values with probability equal to
   the Jaccard similarity of their shingle sets. The stored signature keeps 16 bits of
   each value (``SIGNATURE_BYTES`` bytes); an article's signature is the minimum over its
   paragraphs' values (the MinHash of the union of their shingles).
4. **Bands**: the values are cut into ``bands`` groups of ``rows``; each group becomes
   one keyword term (``band_keys``). Texts whose similarity is ``s`` share at least one
   band with probability ``1 - (1 - s**rows)**bands``: the candidates a term query finds.
5. **Verification**: a candidate pair counts only when the share of equal signature
   values (the estimated similarity) reaches the threshold, so bands that collide by
   chance never merge different texts.
6. **Clusters** (``leaders``): within the documents considered (those a search
   matches), in canonical order (earliest date, then article id, then position), a
   document whose earlier verified neighbours include a canonical copy joins the
   earliest such one; otherwise it is canonical itself. Every copy is therefore
   verified against its canonical copy directly: a chain of small edits (A ~ B ~ C, A
   not ~ C) does not drag C into A's cluster.
"""

from __future__ import annotations

import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, groupby

import numpy as np

from . import limits
from .arrays import distinct
from .models import Copies, Copy, Paragraph

SIGNATURE_BYTES = 2 * limits.COPY_BANDS * limits.COPY_ROWS
BAND_KEY_BITS = 40  # hash bits of a band key (plus the band number)


@dataclass(frozen=True)
class CopySettings:
    """What a signature is made of; changing any of these needs ``reindex --full``
    (``fingerprint`` is stored with the index and compared before folding)."""

    shingle: int = limits.COPY_SHINGLE_WORDS
    bands: int = limits.COPY_BANDS
    rows: int = limits.COPY_ROWS
    article_bands: int = limits.ARTICLE_COPY_BANDS
    article_rows: int = limits.ARTICLE_COPY_ROWS
    seed: int = limits.COPY_SEED

    def __post_init__(self) -> None:
        if self.article_bands * self.article_rows != self.bands * self.rows:
            raise ValueError("article bands x rows must cut the same signature values")

    def banding(self, article: bool = False) -> tuple[int, int]:
        """Return (bands, rows) of paragraph or article band keys."""
        return (self.article_bands, self.article_rows) if article else (self.bands, self.rows)

    @property
    def hashes(self) -> int:
        """Return the number of MinHash values of a signature."""
        return self.bands * self.rows

    def fingerprint(self) -> str:
        """Return the text stored with an index naming how its signatures were made."""
        return (
            f"minhash{limits.COPY_SIGNATURE_VERSION}:k{self.shingle}:b{self.bands}"
            f":r{self.rows}:ab{self.article_bands}:ar{self.article_rows}:s{self.seed}"
        )


DEFAULT = CopySettings()


# -- words ----------------------------------------------------------------------------

# Dropped before shingling: words whose presence or absence an editor changes freely.
FUNCTION_WORDS = frozenset(
    {
        "a", "an", "the", "and", "or", "but", "of", "to", "in", "on", "at", "for", "by",
        "with", "from", "as", "is", "are", "was", "were", "be", "been", "it", "its", "this",
        "that", "these", "those", "has", "have", "had", "will", "would", "can", "could", "may",
        "might", "also", "per",
    }
)

# Whole-word spellings the suffix rules below cannot reach (British -> shared form).
SPELLINGS = {
    "grey": "gray",
    "tyre": "tire",
    "tyres": "tires",
    "kerb": "curb",
    "cheque": "check",
    "cheques": "checks",
    "plough": "plow",
    "aluminium": "aluminum",
    "draught": "draft",
    "pyjamas": "pajamas",
    "sceptic": "skeptic",
    "sceptical": "skeptical",
    "jewellery": "jewelry",
    "storey": "story",
    "storeys": "stories",
    "whilst": "while",
    "amongst": "among",
    "learnt": "learned",
    "spelt": "spelled",
    "burnt": "burned",
    "dreamt": "dreamed",
    "judgement": "judgment",
    "acknowledgement": "acknowledgment",
    "ageing": "aging",
    "mum": "mom",
    "manoeuvre": "maneuver",
    "manoeuvres": "maneuvers",
    "towards": "toward",
    "programme": "program",
    "programmes": "programs",
    "percent": "cent",  # "per cent" loses "per", a function word
}

# Suffix rules, applied in order to words of five letters or more. Both spellings of a
# pair reach the same form; words that only look alike (tour -> tor) are changed the
# same way in every text, which costs nothing.
_SUFFIX_RULES = [
    (re.compile(r"our(s|ed|ing|ite|ites|able|ably|er|ers|ful|less)?$"), r"or\1"),
    (re.compile(r"([iy])s(e|es|ed|ing|ation|ations|er|ers)$"), r"\1z\2"),
    (re.compile(r"tre(s|d)?$"), r"ter\1"),
    (re.compile(r"ogue(s)?$"), r"og\1"),
    (re.compile(r"ence(s)?$"), r"ense\1"),
    (re.compile(r"ll(ed|ing|er|ers|or|ors)$"), r"l\1"),
    (re.compile(r"(?<=[a-z])[ao]e(?=[a-z])"), "e"),
]
# What a wire service puts before a story: a dateline ("LONDON (Reuters) - ",
# "NEW YORK, Jan 5 (AP) -- ") or a byline ("By Jane Marsh, Staff Writer."). Removed from
# the start of a text before its words are read.
_LEAD = re.compile(
    r"""^\s*(?:
        [A-Z][A-Z'.-]+(?:\s[A-Z][A-Z'.-]+){0,3}         # CITY, in capitals
        (?:,\s[A-Z][a-z]{2,8}\.?\s\d{1,2})?             # , Jan 5
        (?:\s?\([A-Za-z][A-Za-z.\s]{1,24}\))?           # (Agency)
        \s?[-\u2013\u2014]{1,2}\s
      | By\s[A-Z][a-z]+(?:\s[A-Z][a-z'.-]+){0,3}(?:,\s[^.]{1,40})?\.\s
    )+""",
    re.VERBOSE,
)
# A number keeps its thousands separators inside one token ("146,000" is "146000").
_TOKEN = re.compile(r"\d+(?:[,.]\d{3})+(?!\d)|\w+")
_CACHE_LIMIT = 200_000
_WORD_HASHES: dict[str, int] = {}


def fold_text(text: str) -> str:
    """Return ``text`` lowercased with accents removed."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def normalize_word(word: str) -> str:
    """Return the form of a folded word that its other spellings share."""
    if word in SPELLINGS:
        return SPELLINGS[word]
    if word[:1].isdigit():
        return word.replace(",", "").replace(".", "")
    if len(word) < 5 or not word.isalpha():
        return word
    for pattern, replacement in _SUFFIX_RULES:
        word = pattern.sub(replacement, word)
    return word


def _tokens(text: str) -> list[str]:
    """Return the lowercased tokens of ``text`` after its dateline or byline (``%`` is
    the word ``percent``)."""
    text = _LEAD.sub("", text, count=1)
    return _TOKEN.findall(text.lower().replace("%", " percent "))


def copy_words(text: str) -> list[str]:
    """Return the words of ``text`` that signatures are made of (folded, spellings
    normalised, function words dropped)."""
    out = []
    for token in _tokens(text):
        word = normalize_word(fold_text(token))
        if word not in FUNCTION_WORDS:
            out.append(word)
    return out


def _token_hashes(text: str) -> list[int]:
    """Return a 32-bit hash of each token of ``text`` as a signature word, -1 for a
    function word (cached per token)."""
    cache = _WORD_HASHES
    tokens = _tokens(text)
    values = list(map(cache.get, tokens))
    if None in values:
        if len(cache) >= _CACHE_LIMIT:
            cache.clear()
        for i, token in enumerate(tokens):
            if values[i] is None:
                word = normalize_word(fold_text(token))
                value = -1 if word in FUNCTION_WORDS else zlib.crc32(word.encode())
                cache[token] = values[i] = value
    return values


# -- MinHash --------------------------------------------------------------------------


def _mix(x: np.ndarray) -> np.ndarray:
    """Return a 64-bit finaliser of ``x`` (splitmix64's), elementwise, wrapping."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class _Hashes:
    """The hash functions of one setting: MinHash h_i(x) = a_i * x + c_i (mod 2**32)
    over 32-bit shingle hashes, and the multipliers that combine a band's values."""

    _made: dict[CopySettings, _Hashes] = {}

    def __init__(self, settings: CopySettings):
        rng = np.random.default_rng(settings.seed)
        n = settings.hashes
        self.a = (rng.integers(0, 2**31, size=n, dtype=np.uint32) * 2 + 1).astype(np.uint32)
        self.c = rng.integers(0, 2**32, size=n, dtype=np.uint32)
        self.band_mult = rng.integers(1, 2**63, size=n, dtype=np.uint64) | np.uint64(1)

    @classmethod
    def of(cls, settings: CopySettings) -> _Hashes:
        made = cls._made.get(settings)
        if made is None:
            made = cls._made[settings] = cls(settings)
        return made


SHINGLES_PER_CHUNK = 16_384
UNSIGNED = np.uint32(0xFFFFFFFF)


def minhashes(texts: Sequence[str], settings: CopySettings = DEFAULT) -> np.ndarray:
    """Return the 32-bit MinHash values of each text, shape (texts, hashes); a text
    without words gets a row of ``UNSIGNED``."""
    hashes = _Hashes.of(settings)
    out = np.full((len(texts), settings.hashes), UNSIGNED, dtype=np.uint32)
    if not len(texts):
        return out
    k = settings.shingle
    lists = [_token_hashes(t) for t in texts]
    tokens = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    flat = np.fromiter(chain.from_iterable(lists), dtype=np.int64, count=int(tokens.sum()))
    keep = flat >= 0
    words = flat[keep].astype(np.uint64)
    total = len(words)
    if not total:
        return out
    kept_before = np.concatenate(([0], np.cumsum(keep)))
    token_end = np.cumsum(tokens)
    lengths = kept_before[token_end] - kept_before[token_end - tokens]
    counts = np.where(lengths > 0, np.maximum(1, lengths - k + 1), 0)
    word_start = np.cumsum(lengths) - lengths
    shingle_start = np.cumsum(counts) - counts
    owner = np.repeat(np.arange(len(texts)), counts)
    first = np.repeat(word_start - shingle_start, counts) + np.arange(int(counts.sum()))
    span = np.minimum(k, lengths)[owner]
    shingles = _mix(words[first] + np.uint64(0x9E3779B97F4A7C15))
    for offset in range(1, k):
        nxt = words[np.minimum(first + offset, total - 1)]
        shingles = np.where(span > offset, _mix(shingles ^ nxt), shingles)
    shingles32 = (shingles >> np.uint64(32)).astype(np.uint32)
    signed_texts = np.flatnonzero(counts)
    starts = shingle_start[signed_texts]
    ends = starts + counts[signed_texts]
    # Whole texts per chunk, so that the (shingles x hashes) matrix stays small.
    chunk = 0
    while chunk < len(signed_texts):
        lo = starts[chunk]
        stop = max(chunk + 1, int(np.searchsorted(ends, lo + SHINGLES_PER_CHUNK, side="right")))
        hi = ends[stop - 1]
        values = shingles32[lo:hi, None] * hashes.a[None, :]
        values += hashes.c[None, :]
        out[signed_texts[chunk:stop]] = np.minimum.reduceat(values, starts[chunk:stop] - lo, axis=0)
        chunk = stop
    return out


def stored(values: np.ndarray) -> np.ndarray:
    """Return the stored 16-bit signature values of MinHash rows (0 for unsigned rows,
    which never match: a signed value is never 0)."""
    kept = (values & np.uint32(0xFFFF)).astype(np.uint16)
    kept[kept == 0] = 1
    kept[values == UNSIGNED] = 0
    return kept


def to_bytes(signature: np.ndarray) -> bytes:
    """Return one stored signature as bytes (little-endian 16-bit values)."""
    return signature.astype("<u2").tobytes()


def from_bytes(data: bytes | None, settings: CopySettings = DEFAULT) -> np.ndarray:
    """Return the signature stored as ``data`` (a row of zeros when absent or of
    another size: a signature that matches nothing)."""
    if not data or len(data) != 2 * settings.hashes:
        return np.zeros(settings.hashes, dtype=np.uint16)
    return np.frombuffer(data, dtype="<u2").astype(np.uint16)


def to_hex(signature: bytes | None) -> str:
    """Return a stored signature as text (for engines that store strings)."""
    return signature.hex() if signature else ""


def from_hex(text: str | None) -> bytes | None:
    """Return the signature written by ``to_hex`` (None when empty or unreadable)."""
    try:
        return bytes.fromhex(text) if text else None
    except ValueError:
        return None


def signed(signatures: np.ndarray) -> np.ndarray:
    """Return a mask of the rows that hold a signature (not all zeros)."""
    return signatures.any(axis=1)


# -- bands ----------------------------------------------------------------------------

PAIRS_CHUNK = 65536  # candidate pairs whose similarity is computed at a time


def band_column(
    signatures: np.ndarray, band: int, article: bool = False, settings: CopySettings = DEFAULT
) -> np.ndarray:
    """Return band ``band``'s key of each stored signature (of paragraphs, or of
    articles' bodies) as an integer: the key in the lower ``BAND_KEY_BITS`` bits,
    ``band`` above them."""
    _bands, rows = settings.banding(article)
    mult = _Hashes.of(settings).band_mult[:rows]
    values = signatures[:, band * rows : (band + 1) * rows].astype(np.uint64)
    combined = (values * mult[None, :]).sum(axis=1, dtype=np.uint64)
    keys = _mix(combined) >> np.uint64(64 - BAND_KEY_BITS)
    return keys | (np.uint64(band) << np.uint64(BAND_KEY_BITS))


def band_values(
    signatures: np.ndarray, article: bool = False, settings: CopySettings = DEFAULT
) -> np.ndarray:
    """Return the band keys of stored signatures, shape (signatures, bands) (see
    ``band_column``)."""
    bands, _rows = settings.banding(article)
    out = np.empty((len(signatures), bands), dtype=np.uint64)
    for band in range(bands):
        out[:, band] = band_column(signatures, band, article, settings)
    return out


def band_keys(
    signatures: np.ndarray, article: bool = False, settings: CopySettings = DEFAULT
) -> list[list[str]]:
    """Return the keyword terms of each signature's bands (none for an unsigned row):
    two hex digits of band number, ten of key."""
    values = band_values(signatures, article, settings)
    has = signed(signatures)
    return [
        [f"{int(v):012x}" for v in row] if ok else []
        for row, ok in zip(values.tolist(), has.tolist(), strict=True)
    ]


# -- signing paragraphs ------------------------------------------------------------------


def sign_paragraphs(paragraphs: Sequence[Paragraph], settings: CopySettings = DEFAULT) -> None:
    """Fill the copy signatures of paragraphs given with their ``article_id`` set (see
    ``sign_articles``). The paragraphs of one article must come together and complete."""
    sign_articles(
        [list(group) for _article, group in groupby(paragraphs, key=lambda p: p.article_id)],
        settings,
    )


def sign_articles(
    articles: Sequence[Sequence[Paragraph]], settings: CopySettings = DEFAULT
) -> None:
    """Fill the copy signature of each paragraph that has none yet and, on the first
    paragraph of each article (each item of ``articles``: all of one article's
    paragraphs, ids not needed), that of the article's body."""
    todo = [p for paragraphs in articles for p in paragraphs if p.copy_signature is None]
    if not todo:
        return
    values = minhashes([p.text for p in todo], settings)
    signatures = stored(values)
    rows = {id(p): i for i, p in enumerate(todo)}
    for i, paragraph in enumerate(todo):
        paragraph.copy_signature = to_bytes(signatures[i])
    firsts: list[Paragraph] = []
    article_rows: list[np.ndarray] = []
    for members in articles:
        if not members:
            continue
        first = min(members, key=lambda p: p.position)
        if first.position != 1 or first.article_signature is not None:
            continue
        picked = [rows[id(p)] for p in members if id(p) in rows]
        if not picked:
            continue
        firsts.append(first)
        article_rows.append(values[picked].min(axis=0))
    if firsts:
        article_sigs = stored(np.stack(article_rows))
        for paragraph, sig in zip(firsts, article_sigs, strict=True):
            paragraph.article_signature = to_bytes(sig)


@dataclass
class Bands:
    """The band keys of one paragraph's signature (``paragraph``) and, on an article's
    first paragraph, of its body's (``article``); empty lists where unsigned."""

    paragraph: list[str]
    article: list[str]


def bands_of(paragraphs: Sequence[Paragraph], settings: CopySettings = DEFAULT) -> list[Bands]:
    """Return the band keys of signed paragraphs, computed for all of them at once (for
    an engine that stores them as terms; signatures travel without them: 48 strings a
    paragraph would cost more to pass between processes than to compute here)."""
    if not paragraphs:
        return []
    own = band_keys(
        np.stack([from_bytes(p.copy_signature, settings) for p in paragraphs]), settings=settings
    )
    heads = [i for i, p in enumerate(paragraphs) if p.article_signature]
    bodies: dict[int, list[str]] = {}
    if heads:
        body_sigs = np.stack([from_bytes(paragraphs[i].article_signature, settings) for i in heads])
        keys = band_keys(body_sigs, article=True, settings=settings)
        bodies = dict(zip(heads, keys, strict=True))
    return [Bands(own[i], bodies.get(i, [])) for i in range(len(paragraphs))]


def sign_stream(paragraphs: Iterable[Paragraph], batch: int = 2000) -> Iterable[Paragraph]:
    """Yield ``paragraphs`` signed, a batch of whole articles at a time (the paragraphs
    of one article must be consecutive)."""
    pending: list[Paragraph] = []
    for _article, group in groupby(paragraphs, key=lambda p: p.article_id):
        pending.extend(group)
        if len(pending) >= batch:
            sign_paragraphs(pending)
            yield from pending
            pending = []
    if pending:
        sign_paragraphs(pending)
        yield from pending


# -- similarity and clusters --------------------------------------------------------------


def similarity(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Return the estimated similarity of signatures ``a`` and ``b`` row by row (the
    share of equal values; 0 where either is unsigned)."""
    a2, b2 = np.atleast_2d(a), np.atleast_2d(b)
    same = ((a2 == b2) & (a2 != 0)).mean(axis=1)
    return np.where(signed(a2) & signed(b2), same, 0.0)


@dataclass
class Classes:
    """Rows grouped by identical signature: ``of_row[i]`` is row i's class (-1 when
    unsigned), ``signatures[c]`` the signature of class c."""

    of_row: np.ndarray
    signatures: np.ndarray


def classes(signatures: np.ndarray) -> Classes:
    """Return the rows of ``signatures`` grouped by identical signature (classes
    numbered in no particular order; each class's signature is its first row's).

    Rows are grouped by a 64-bit key of each signature, and rows that share a key are
    checked to be identical (a collision falls back to comparing whole signatures):
    sorting the signatures themselves took several times their size in memory."""
    has = signed(signatures)
    of_row = np.full(len(signatures), -1, dtype=np.int64)
    rows = np.flatnonzero(has)
    if not len(rows):
        return Classes(of_row, np.zeros((0, signatures.shape[1]), dtype=np.uint16))
    keys = _row_keys(signatures)
    if keys is not None:
        keys = keys[rows]
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.ones(len(order), dtype=bool)
        np.not_equal(ordered[1:], ordered[:-1], out=starts[1:])
        repeats = np.flatnonzero(~starts)
        if not len(repeats) or not np.any(
            signatures[rows[order[repeats]]] != signatures[rows[order[repeats - 1]]]
        ):
            inverse = np.empty(len(order), dtype=np.int64)
            inverse[order] = np.cumsum(starts) - 1
            of_row[rows] = inverse
            return Classes(of_row, signatures[rows[order[starts]]])
    packed = np.ascontiguousarray(signatures[rows]).view(
        np.dtype((np.void, signatures.dtype.itemsize * signatures.shape[1]))
    )[:, 0]
    _unique, first, inverse = np.unique(packed, return_index=True, return_inverse=True)
    of_row[rows] = inverse.reshape(-1)
    return Classes(of_row, signatures[rows[first]])


def _row_keys(signatures: np.ndarray) -> np.ndarray | None:
    """Return a 64-bit key of each row of ``signatures`` (equal rows, equal keys), or
    None when its rows are not a whole number of 64-bit words."""
    width = signatures.dtype.itemsize * signatures.shape[1]
    if width % 8:
        return None
    words = np.ascontiguousarray(signatures).view(np.uint64)
    key = np.zeros(len(signatures), dtype=np.uint64)
    for column in range(words.shape[1]):
        key = _mix(key ^ words[:, column])
    return key


def similar_pairs(
    signatures: np.ndarray,
    threshold: float,
    article: bool = False,
    settings: CopySettings = DEFAULT,
    max_group: int = limits.MAX_BAND_GROUP,
) -> tuple[np.ndarray, np.ndarray]:
    """Return the pairs (i < j) of distinct signed rows that share a band and whose
    estimated similarity reaches ``threshold``. A band value shared by more than
    ``max_group`` rows is not used to find candidates (it says too little)."""
    n = len(signatures)
    has = signed(signatures)
    empty = np.zeros(0, dtype=np.int64)
    if n < 2 or has.sum() < 2:
        return empty, empty
    rows = np.flatnonzero(has)
    signed_rows = signatures if len(rows) == n else signatures[rows]
    bands, _rows = settings.banding(article)
    m = len(rows)
    # Candidates are kept as one code per pair (i * m + j, i < j, numbered among the
    # signed rows), band by band, and verified in pieces: memory stays a few times the
    # candidates' codes, not their pairs of row numbers several times over.
    code_parts: list[np.ndarray] = []
    for band in range(bands):
        column = band_column(signed_rows, band, article, settings)
        order = np.argsort(column, kind="stable")
        ordered = column[order]
        edges = np.flatnonzero(np.diff(ordered)) + 1
        starts = np.concatenate(([0], edges))
        sizes = np.diff(np.concatenate((starts, [len(ordered)])))
        keep = (sizes >= 2) & (sizes <= max_group)
        if not keep.any():
            continue
        for size in np.unique(sizes[keep]).tolist():
            group_starts = starts[keep & (sizes == size)]
            members = order[group_starts[:, None] + np.arange(size)[None, :]]
            a, b = np.triu_indices(size, k=1)
            first, second = members[:, a].reshape(-1), members[:, b].reshape(-1)
            code_parts.append(np.minimum(first, second) * m + np.maximum(first, second))
    if not code_parts:
        return empty, empty
    codes = distinct(np.concatenate(code_parts))
    del code_parts
    keep = np.zeros(len(codes), dtype=bool)
    for start in range(0, len(codes), PAIRS_CHUNK):
        part = codes[start : start + PAIRS_CHUNK]
        similar = similarity(signed_rows[part // m], signed_rows[part % m])
        keep[start : start + len(part)] = similar >= threshold
    codes = codes[keep]
    return rows[codes // m], rows[codes % m]


def leaders(rank: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Return, for each of ``len(rank)`` nodes, the node whose cluster it belongs to
    (itself when canonical), given the verified pairs ``left[k] ~ right[k]`` and a
    rank giving the canonical order (lower first, all distinct).

    In rank order, a node with a canonical node among its earlier neighbours joins the
    earliest such one; any other node is canonical. Computed in rounds over all
    pairs at once: a node is decided when an earlier neighbour is canonical (it is a
    copy) or all of them are copies (it is canonical); the earliest undecided node is
    always decided in the next round."""
    n = len(rank)
    out = np.arange(n, dtype=np.int64)
    if not len(left):
        return out
    later = np.where(rank[left] > rank[right], left, right)
    earlier = np.where(rank[left] > rank[right], right, left)
    status = np.zeros(n, dtype=np.int8)  # 0 undecided, 1 canonical, 2 copy
    has_earlier = np.zeros(n, dtype=bool)
    has_earlier[later] = True
    status[~has_earlier] = 1
    while True:
        open_nodes = status == 0
        if not open_nodes.any():
            break
        seen = status[earlier]
        by_canonical = np.zeros(n, dtype=bool)
        by_canonical[later[seen == 1]] = True
        waiting = np.zeros(n, dtype=bool)
        waiting[later[seen != 2]] = True
        status[open_nodes & by_canonical] = 2
        status[open_nodes & ~by_canonical & ~waiting] = 1
    joins = status[earlier] == 1
    copy_nodes, heads = later[joins], earlier[joins]
    order = np.lexsort((rank[heads], copy_nodes))
    copy_nodes, heads = copy_nodes[order], heads[order]
    first = np.concatenate(([True], copy_nodes[1:] != copy_nodes[:-1]))
    out[copy_nodes[first]] = heads[first]
    return out


@dataclass
class Members:
    """The documents a fold considers (the matching ones), described by the engine:
    ``ranks`` (canonical order: lower is earlier, all distinct), ``classes`` (identical
    signature -> same class, -1 for documents without a signature) and ``sources``
    (an integer per source, -1 for none)."""

    ranks: np.ndarray
    classes: np.ndarray
    sources: np.ndarray


@dataclass
class Fold:
    """Clusters of the documents considered: ``canonical[i]`` is the position (in the
    members' arrays) of member i's canonical copy; ``copies[i]`` how many other members
    share its cluster; ``copy_sources[i]`` in how many sources other than member i's."""

    canonical: np.ndarray
    copies: np.ndarray
    copy_sources: np.ndarray

    @property
    def kept(self) -> np.ndarray:
        """Return the mask of canonical members (one per cluster)."""
        return self.canonical == np.arange(len(self.canonical))

    @property
    def folded(self) -> np.ndarray:
        """Return the positions of the members folded into another one."""
        return np.flatnonzero(~self.kept)


def fold(members: Members, class_left: np.ndarray, class_right: np.ndarray) -> Fold:
    """Return the clusters of ``members`` given the verified pairs of classes
    (``class_left[k] ~ class_right[k]``; pairs involving classes without members are
    ignored). Members of one class are copies of each other.

    Linear but for the distinct sources of clustered members: a search folds its
    matches with it, tens of thousands at a time, and sorting them would cost more than
    the search."""
    n = len(members.ranks)
    canonical = np.arange(n, dtype=np.int64)
    copies = np.zeros(n, dtype=np.int64)
    copy_sources = np.zeros(n, dtype=np.int64)
    has = np.flatnonzero(members.classes >= 0)
    if len(has) < 2:
        return Fold(canonical, copies, copy_sources)
    cls = members.classes[has]
    top = max(int(cls.max()), int(class_left.max(initial=0)), int(class_right.max(initial=0)))
    seen = np.zeros(top + 1, dtype=bool)
    seen[cls] = True
    present = np.flatnonzero(seen)
    lookup = np.full(top + 1, -1, dtype=np.int64)
    lookup[present] = np.arange(len(present))
    local = lookup[cls]
    # Each class's earliest member stands for it (ranks are distinct: one per class).
    ranks = members.ranks[has]
    class_rank = np.full(len(present), np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(class_rank, local, ranks)
    heads = ranks == class_rank[local]
    head_of_class = np.empty(len(present), dtype=np.int64)
    head_of_class[local[heads]] = has[heads]
    if len(class_left):
        a, b = lookup[class_left], lookup[class_right]
        both = (a >= 0) & (b >= 0)
        a, b = a[both], b[both]
    else:
        a = b = np.zeros(0, dtype=np.int64)
    cluster = leaders(class_rank, a, b)[local]  # each member's cluster (a local class)
    canonical[has] = head_of_class[cluster]
    # Sizes and sources per cluster.
    sizes = np.bincount(cluster, minlength=len(present))
    several = sizes[cluster] >= 2
    if not several.any():
        return Fold(canonical, copies, copy_sources)
    involved, cluster = has[several], cluster[several]
    copies[involved] = sizes[cluster] - 1
    # Distinct sources per cluster, less the member's own.
    sources = members.sources[involved]
    width = int(sources.max(initial=-1)) + 2
    keys = distinct((cluster * width + sources + 1)[sources >= 0])
    per_cluster = np.bincount(keys // width, minlength=len(present))
    copy_sources[involved] = per_cluster[cluster] - (sources >= 0)
    return Fold(canonical, copies, copy_sources)


def fold_signatures(
    ranks: np.ndarray,
    signatures: np.ndarray,
    sources: np.ndarray,
    threshold: float = limits.COPY_THRESHOLD,
    settings: CopySettings = DEFAULT,
) -> Fold:
    """Return the clusters of documents given their signatures directly (the fold an
    engine computes from what it fetched; the Whoosh engine reaches the same answer
    from pairs it keeps per index version)."""
    grouped = classes(signatures)
    left, right = similar_pairs(grouped.signatures, threshold, settings=settings)
    return fold(Members(ranks, grouped.of_row, sources), left, right)


def canonical_order(keys: Sequence[tuple]) -> np.ndarray:
    """Return dense ranks (0 = earliest) of sort keys made by ``order_key``."""
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    ranks = np.empty(len(keys), dtype=np.int64)
    ranks[order] = np.arange(len(keys))
    return ranks


def order_key(date: str | None, article_id: str, position: int) -> tuple:
    """Return the canonical sort key of a copy: dated before undated, earliest date
    first (UTC ISO strings compare in time order), then article id, then position."""
    return (date is None, _comparable_date(date), article_id, position)


def _comparable_date(date: str | None) -> str:
    """Return an ISO date or timestamp in one comparable shape (``YYYY-MM-DDTHH:MM:SS``)."""
    if not date:
        return ""
    day, _, rest = date.partition("T")
    clock = (rest[:8] if rest else "00:00:00").ljust(8, "0")
    return f"{day}T{clock}"


# -- listings -------------------------------------------------------------------------------


def _copy_key(copy: Copy) -> tuple:
    position = int(copy.id.rsplit("#", 1)[1]) if "#" in copy.id else 0
    return order_key(copy.date, copy.article_id, position)


def gather(
    kind: str, of: Copy, direct: Sequence[Copy], copies_of: Callable[[str], list[Copy]]
) -> Copies:
    """Return the copies of ``of`` (``kind`` ``paragraph`` or ``article``), earliest
    first (at most ``limits.MAX_COPIES_LISTED``): its ``direct`` copies and, when one of
    them is earlier than ``of`` (the canonical copy), the canonical copy's own copies
    (``copies_of(id)``; marked ``direct=False``, their similarity to the canonical
    copy): the cluster a fold would put ``of`` in, seen from its canonical copy."""
    canonical = min([of, *direct], key=_copy_key)
    found = {c.id: c for c in direct if c.id != of.id}
    if canonical.id != of.id:
        for copy in copies_of(canonical.id):
            if copy.id != of.id and copy.id not in found:
                copy.direct = False
                found[copy.id] = copy
    ordered = sorted(found.values(), key=_copy_key)
    return Copies(
        of=of.id, kind=kind, canonical=canonical.id, copies=ordered[: limits.MAX_COPIES_LISTED]
    )
