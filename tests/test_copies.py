"""Signatures, band keys and clusters of copies (``searchsvc.copies``), and indexes made
before copies existed."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from searchsvc import copies, limits
from searchsvc.engine import open_engine
from searchsvc.errors import IndexOutdated
from searchsvc.indexer import reindex
from searchsvc.models import Paragraph, SearchRequest

LEGACY_INDEX = Path(__file__).parent / "fixtures" / "legacy-index"

STORY = (
    "The central bank raised its main interest rate by a quarter of a percentage point on "
    "Thursday, the third rise this year, saying inflation was still far above its target "
    "and that the labour market remained tight."
)


def signature(text: str) -> np.ndarray:
    return copies.stored(copies.minhashes([text]))[0]


def similar(a: str, b: str) -> float:
    return float(copies.similarity(signature(a), signature(b))[0])


def test_british_and_american_spellings_and_wire_datelines_read_the_same():
    assert copies.copy_words("The colour of the organisation's centre, 5%") == copies.copy_words(
        "The color of the organization's center, 5 percent"
    )
    assert copies.copy_words("LONDON (Reuters) - Oil rose") == ["oil", "rose"]
    assert copies.copy_words("NEW YORK, Jan 5 (AP) -- Oil rose") == ["oil", "rose"]
    assert copies.copy_words("By Jane Marsh, Staff Writer. Oil rose") == ["oil", "rose"]
    # A sentence that merely starts with "By" keeps its words.
    assert copies.copy_words("By 2025, 40% of homes")[:2] == ["2025", "40"]
    assert copies.copy_words("146,000 jobs") == copies.copy_words("146000 jobs")


def test_a_syndicated_copy_is_similar_and_a_different_story_is_not():
    copy = (
        "WASHINGTON (AP) - The central bank raised its main interest rate by a quarter of "
        'a percentage point on Thursday - the third rise this year - saying "inflation" '
        "was still far above its target and that the labor market remained tight."
    )
    other = (
        "The central bank left its main interest rate unchanged on Thursday, saying the "
        "economy had slowed more than expected and that prices were rising more slowly."
    )
    assert similar(STORY, STORY) == 1.0
    assert similar(STORY, copy) >= limits.COPY_THRESHOLD
    assert similar(STORY, other) < 0.3


def test_texts_without_words_are_unsigned_and_never_similar():
    empty = signature("")
    assert not copies.signed(empty[None, :])[0]
    assert float(copies.similarity(empty, empty)[0]) == 0.0
    assert copies.band_keys(empty[None, :]) == [[]]
    assert (copies.from_bytes(b"\x01\x02") == 0).all()  # a signature of another size


def test_signatures_and_band_keys_are_stable_across_processes_and_batches():
    alone = copies.minhashes([STORY])
    batched = copies.minhashes(["something else entirely", STORY, ""])
    assert (alone[0] == batched[1]).all()
    keys = copies.band_keys(copies.stored(alone))[0]
    assert len(keys) == limits.COPY_BANDS and len(set(keys)) == limits.COPY_BANDS
    assert keys == copies.band_keys(copies.stored(batched[1:2]))[0]
    article_keys = copies.band_keys(copies.stored(alone), article=True)[0]
    assert len(article_keys) == limits.ARTICLE_COPY_BANDS


def _paragraphs(article_id: str, texts: list[str]) -> list[Paragraph]:
    return [
        Paragraph(f"{article_id}#{n}", article_id, n, len(texts), t, "T")
        for n, t in enumerate(texts, 1)
    ]


def test_signing_fills_each_paragraph_and_the_article_body_on_its_first_paragraph():
    ps = _paragraphs("a1", [STORY, "A second paragraph about something else altogether."])
    copies.sign_paragraphs(ps)
    assert all(len(p.copy_signature) == copies.SIGNATURE_BYTES for p in ps)
    assert ps[0].article_signature is not None and ps[1].article_signature is None
    body = copies.from_bytes(ps[0].article_signature)
    # The body's MinHash is that of the union of the paragraphs' shingles.
    values = copies.minhashes([p.text for p in ps])
    assert (body == copies.stored(values.min(axis=0)[None, :])[0]).all()
    before = ps[0].copy_signature
    copies.sign_paragraphs(ps)  # signed paragraphs are left as they are
    assert ps[0].copy_signature is before


def test_articles_are_signed_one_body_each_before_they_have_ids():
    # Workers sign articles before the writing process gives ids: every article_id is ""
    # then, and each article must still get its own body's signature.
    first = _paragraphs("", [STORY, "A second paragraph about something else altogether."])
    second = _paragraphs("", ["An unrelated article about a concert season in the park."])
    copies.sign_articles([first, second])
    assert first[0].article_signature is not None and second[0].article_signature is not None
    alone = _paragraphs("b2", ["An unrelated article about a concert season in the park."])
    copies.sign_paragraphs(alone)
    assert second[0].article_signature == alone[0].article_signature
    assert first[0].article_signature != second[0].article_signature


def test_band_keys_of_signed_paragraphs_are_those_of_their_signatures():
    ps = _paragraphs("a1", [STORY, "A second paragraph about something else altogether."])
    unsigned = _paragraphs("b2", [""])
    copies.sign_paragraphs(ps + unsigned)
    bands = copies.bands_of(ps + unsigned)
    own = copies.from_bytes(ps[1].copy_signature)[None, :]
    body = copies.from_bytes(ps[0].article_signature)[None, :]
    assert bands[1].paragraph == copies.band_keys(own)[0] and bands[1].article == []
    assert bands[0].article == copies.band_keys(body, article=True)[0]
    assert len(bands[0].paragraph) == limits.COPY_BANDS
    assert len(bands[0].article) == limits.ARTICLE_COPY_BANDS
    assert (bands[2].paragraph, bands[2].article) == ([], [])


def _reference_leaders(rank: list[int], pairs: list[tuple[int, int]]) -> list[int]:
    """The rule, one node at a time in rank order."""
    neighbours: dict[int, set[int]] = {i: set() for i in range(len(rank))}
    for a, b in pairs:
        neighbours[a].add(b)
        neighbours[b].add(a)
    leader = list(range(len(rank)))
    canonical: set[int] = set()
    for node in sorted(range(len(rank)), key=lambda i: rank[i]):
        earlier = [n for n in neighbours[node] if rank[n] < rank[node] and n in canonical]
        if earlier:
            leader[node] = min(earlier, key=lambda n: rank[n])
        else:
            canonical.add(node)
    return leader


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=12).flatmap(
        lambda n: st.tuples(
            st.permutations(list(range(n))),
            st.lists(
                st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)).filter(
                    lambda p: p[0] != p[1]
                ),
                max_size=30,
            ),
        )
    )
)
def test_leaders_follow_the_rule_one_node_at_a_time(case):
    rank, pairs = case
    left = np.array([a for a, _ in pairs], dtype=np.int64)
    right = np.array([b for _, b in pairs], dtype=np.int64)
    got = copies.leaders(np.array(rank, dtype=np.int64), left, right)
    assert got.tolist() == _reference_leaders(list(rank), pairs)


def test_a_chain_of_small_edits_does_not_join_texts_that_are_not_alike():
    # A ~ B, B ~ C, A !~ C: C is not a copy of A, and B (a copy of A) is no canonical.
    got = copies.leaders(np.array([0, 1, 2]), np.array([0, 1]), np.array([1, 2]))
    assert got.tolist() == [0, 0, 2]


def test_fold_counts_copies_and_other_sources_per_cluster():
    texts = [STORY, STORY, STORY, "An unrelated paragraph about the weather in the hills."]
    sigs = copies.stored(copies.minhashes(texts))
    fold = copies.fold_signatures(
        np.array([2, 0, 1, 3]), sigs, np.array([7, 7, 8, -1], dtype=np.int64)
    )
    assert fold.canonical.tolist() == [1, 1, 1, 3]  # rank 0 is the earliest
    assert fold.kept.tolist() == [False, True, False, True]
    assert fold.copies.tolist() == [2, 2, 2, 0]
    assert fold.copy_sources.tolist() == [1, 1, 1, 0]  # source 8, besides its own 7


def _reference_fold(ranks, classes, sources, pairs):
    """Clusters member by member: classes led by their earliest member, the leaders
    rule over the classes, then sizes and other sources counted per cluster."""
    present = sorted({c for c in classes if c >= 0})
    head = {c: min((i for i, k in enumerate(classes) if k == c), key=lambda i: ranks[i])
            for c in present}
    index = {c: n for n, c in enumerate(present)}
    kept = [(index[a], index[b]) for a, b in pairs if a in index and b in index]
    lead = _reference_leaders([ranks[head[c]] for c in present], kept)
    canonical = [head[present[lead[index[c]]]] if c >= 0 else i for i, c in enumerate(classes)]
    copies_, other_sources = [], []
    for i, c in enumerate(canonical):
        members = [j for j, k in enumerate(canonical) if k == c and classes[j] >= 0]
        if classes[i] < 0 or len(members) < 2:
            copies_.append(0)
            other_sources.append(0)
            continue
        copies_.append(len(members) - 1)
        found = {sources[j] for j in members if sources[j] >= 0}
        other_sources.append(len(found) - (sources[i] >= 0))
    return canonical, copies_, other_sources


@settings(max_examples=200, deadline=None)
@given(
    st.integers(min_value=1, max_value=14).flatmap(
        lambda n: st.tuples(
            st.permutations(list(range(0, 3 * n, 3))),
            st.lists(st.integers(-1, 6), min_size=n, max_size=n),
            st.lists(st.integers(-1, 3), min_size=n, max_size=n),
            st.lists(
                st.tuples(st.integers(0, 8), st.integers(0, 8)).filter(lambda p: p[0] != p[1]),
                max_size=12,
            ),
        )
    )
)
def test_fold_follows_the_rule_member_by_member(case):
    ranks, classes, sources, pairs = case
    members = copies.Members(
        np.array(ranks, dtype=np.int64), np.array(classes), np.array(sources, dtype=np.int64)
    )
    left = np.array([a for a, _ in pairs], dtype=np.int64)
    right = np.array([b for _, b in pairs], dtype=np.int64)
    got = copies.fold(members, left, right)
    canonical, copies_, other_sources = _reference_fold(ranks, classes, sources, pairs)
    assert got.canonical.tolist() == canonical
    assert got.copies.tolist() == copies_
    assert got.copy_sources.tolist() == other_sources


def test_order_key_puts_undated_copies_last_and_compares_days_with_times():
    keys = [
        copies.order_key(None, "a", 1),
        copies.order_key("2024-03-05T10:00:00+00:00", "b", 1),
        copies.order_key("2024-03-05", "c", 1),
        copies.order_key("2024-03-04", "d", 2),
    ]
    assert copies.canonical_order(keys).tolist() == [3, 2, 1, 0]


def test_an_index_made_before_copies_searches_asks_for_a_full_reindex_and_updates(tmp_path):
    folder = tmp_path / "legacy"
    shutil.copytree(LEGACY_INDEX, folder, symlinks=True)
    reader = open_engine(str(folder)).reader()
    assert reader.search(SearchRequest(q="glacier")).total > 0
    with pytest.raises(IndexOutdated, match="reindex --full"):
        reader.search(SearchRequest(q="glacier", dedupe=True))
    with pytest.raises(IndexOutdated):
        reader.copies(reader.search(SearchRequest(q="glacier")).hits[0].id)
    reader.close()
    # An incremental run writes without the fields the old schema lacks.
    source = tmp_path / "more.txt"
    source.write_text("Glacier survey\n\nThe glacier survey team measured the ice again.\n")
    report = reindex([str(source)], str(folder), entities=False, workers=1)
    assert report.paragraphs == 1 and not report.skipped
    reader = open_engine(str(folder)).reader()
    assert reader.search(SearchRequest(q="glacier survey team measured")).total == 1
    with pytest.raises(IndexOutdated):
        reader.search(SearchRequest(q="glacier", dedupe=True))
    # A full rebuild brings copies.
    reindex([str(source)], str(folder), full=True, entities=False, workers=1)
    reader = open_engine(str(folder)).reader()
    assert reader.search(SearchRequest(q="glacier", dedupe=True)).counted == "stories"


def _partition(of_row: np.ndarray) -> list[tuple[int, ...]]:
    groups: dict[int, list[int]] = {}
    for row, cls in enumerate(of_row.tolist()):
        if cls >= 0:
            groups.setdefault(cls, []).append(row)
    return sorted(tuple(g) for g in groups.values())


def _signatures_with_repeats() -> np.ndarray:
    rng = np.random.default_rng(3)
    sigs = rng.integers(1, 2**16, size=(400, copies.DEFAULT.hashes), dtype=np.uint16)
    sigs[::5] = sigs[2]  # a class of 80 identical rows
    sigs[1::9] = sigs[7]
    sigs[3::11] = 0  # unsigned rows belong to no class
    return sigs


def _reference_partition(sigs: np.ndarray) -> list[tuple[int, ...]]:
    groups: dict[bytes, list[int]] = {}
    for row, sig in enumerate(sigs):
        if sig.any():
            groups.setdefault(sig.tobytes(), []).append(row)
    return sorted(tuple(g) for g in groups.values())


def test_classes_group_exactly_the_identical_signatures():
    sigs = _signatures_with_repeats()
    grouped = copies.classes(sigs)
    assert _partition(grouped.of_row) == _reference_partition(sigs)
    for cls, sig in enumerate(grouped.signatures):
        assert (sig == sigs[np.flatnonzero(grouped.of_row == cls)[0]]).all()
    assert (grouped.of_row[3::11] == -1).all()


def test_classes_stay_exact_when_the_row_keys_collide(monkeypatch):
    sigs = _signatures_with_repeats()
    # Every row given the same key: the check finds rows that differ and compares
    # whole signatures instead.
    monkeypatch.setattr(copies, "_row_keys", lambda s: np.zeros(len(s), dtype=np.uint64))
    grouped = copies.classes(sigs)
    assert _partition(grouped.of_row) == _reference_partition(sigs)


def test_band_values_are_the_band_columns_side_by_side():
    sigs = _signatures_with_repeats()
    for article in (False, True):
        bands, _rows = copies.DEFAULT.banding(article)
        values = copies.band_values(sigs, article)
        for band in range(bands):
            assert (values[:, band] == copies.band_column(sigs, band, article)).all()
