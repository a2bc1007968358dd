"""The arithmetic the entity model runs on: matrix products through numpy's BLAS.

spaCy's CPU backend (thinc ``NumpyOps``) multiplies matrices with the ``blis`` package by
default. On the machines measured (x86-64 with AVX-512) numpy's OpenBLAS does the same
products about 2.8 times faster on one thread, and the tok2vec layers are mostly such
products, so the model runs ~1.8x faster with the same weights and the same entities.
thinc has the switch built in: ``NumpyOps(use_blis=False)`` hands ``gemm`` to numpy.

OpenBLAS starts a thread per core by default; beside the indexer's worker processes those
threads only compete (they spin while waiting), so extraction runs with BLAS limited to
one thread (``one_blas_thread``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from thinc.api import NumpyOps


def blas_ops() -> NumpyOps:
    """Return thinc CPU ops whose matrix products go through numpy (OpenBLAS), not blis
    (thinc is imported here, with the model, not by every command that imports this
    package)."""
    from thinc.api import NumpyOps

    return NumpyOps(use_blis=False)


def use_blas_ops(nlp: Any) -> None:
    """Make every layer of the pipeline ``nlp`` compute with ``blas_ops()``; returns None."""
    ops = blas_ops()
    for _name, component in nlp.pipeline:
        model = getattr(component, "model", None)
        if model is not None and hasattr(model, "walk"):
            for node in model.walk():
                node.ops = ops


@lru_cache(maxsize=1)
def _controller() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """Limit the BLAS libraries of this process to one thread while the block runs."""
    with _controller().limit(limits=1, user_api="blas"):
        yield
