"""Tests for searchsvc.entities.ops: the BLAS matrix products the entity model runs on."""

from __future__ import annotations

from searchsvc.entities.ops import one_blas_thread, use_blas_ops


def test_one_blas_thread_limits_and_restores() -> None:
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:
        return [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]

    before = blas_threads()
    with one_blas_thread():
        assert all(n == 1 for n in blas_threads())
    assert blas_threads() == before


def test_the_shipped_model_finds_the_same_entities_with_numpy_blas() -> None:
    import spacy

    from searchsvc.entities.extract import MODEL_DIR

    texts = [
        "Pfizer and BioNTech said on Monday that their vaccine was approved in Brussels.",
        "Chancellor Olaf Scholz met Emmanuel Macron in Berlin to discuss Ukraine.",
    ]
    nlp = spacy.load(MODEL_DIR)
    assert all(node.ops.use_blis for _n, c in nlp.pipeline for node in c.model.walk())
    plain = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
    use_blas_ops(nlp)
    assert not any(node.ops.use_blis for _n, c in nlp.pipeline for node in c.model.walk())
    blas = [[(e.start_char, e.end_char, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
    assert blas == plain and any(plain)


def test_extraction_pipeline_runs_on_numpy_blas() -> None:
    from searchsvc.entities import get_nlp

    nlp = get_nlp()
    assert not any(node.ops.use_blis for _n, c in nlp.pipeline for node in c.model.walk())
