"""Loaded by ``spacy train --code training/blas_ops.py``: train with numpy's BLAS.

The model's matrix products then go through numpy's OpenBLAS (one thread, as train.sh
sets) instead of blis, as at extraction time (searchsvc/entities/ops.py): the same
arithmetic, faster. Floating-point sums differ from blis's in the last bits, so a run
is reproducible on one BLAS library, not bit for bit across libraries.
"""

from thinc.api import set_current_ops

from searchsvc.entities.ops import blas_ops

set_current_ops(blas_ops())
