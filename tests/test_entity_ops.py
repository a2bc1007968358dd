"""Tests for searchsvc.entities.ops: the BLAS matrix products the entity model runs on."""

from __future__ import annotations

import numpy
import pytest
from thinc.api import NumpyOps

from searchsvc.entities.ops import BlasOps, one_blas_thread, use_blas_ops


@pytest.mark.parametrize("trans1", [False, True])
@pytest.mark.parametrize("trans2", [False, True])
def test_gemm_matches_thincs_own_product(trans1: bool, trans2: bool) -> None:
    rng = numpy.random.default_rng(7)
    x = rng.standard_normal((5, 7) if not trans1 else (7, 5)).astype("float32")
    y = rng.standard_normal((7, 3) if not trans2 else (3, 7)).astype("float32")
    want = NumpyOps().gemm(x, y, trans1=trans1, trans2=trans2)
    got = BlasOps().gemm(x, y, trans1=trans1, trans2=trans2)
    assert got.shape == (5, 3) and got.dtype == numpy.float32
    numpy.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    out = numpy.zeros((5, 3), dtype="float32")
    assert BlasOps().gemm(x, y, out=out, trans1=trans1, trans2=trans2) is out
    numpy.testing.assert_allclose(out, want, rtol=1e-5, atol=1e-5)


def test_one_blas_thread_limits_and_restores() -> None:
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    with one_blas_thread():
        assert all(n == 1 for n in blas_threads())
    assert blas_threads() == before


def test_the_shipped_model_finds_the_same_entities_with_blas_ops() -> None:
    import spacy

    from searchsvc.entities.extract import MODEL_DIR

    texts = [
        "Pfizer and BioNTech said on Monday that their vaccine was approved in Brussels.",
        "Chancellor Olaf Scholz met Emmanuel Macron in Berlin to discuss Ukraine.",
    ]
    nlp = spacy.load(MODEL_DIR)
    plain = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
    use_blas_ops(nlp)
    assert all(isinstance(node.ops, BlasOps) for _n, c in nlp.pipeline for node in c.model.walk())
    blas = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
    assert blas == plain and any(plain)
