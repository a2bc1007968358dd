"""Which exceptions mean a damaged index rather than a bug of ours."""

from __future__ import annotations

import os
import pickle
import struct
import zlib

import whoosh

from .postfile import PostFileError

# Errors that only come from reading damaged files (Whoosh raises bare Exceptions
# such as "Block tag error" too; searchsvc itself never does). A posting file that
# fails once opened was changed or damaged under the searches.
_READ_ERRORS = (struct.error, zlib.error, EOFError, pickle.UnpicklingError, PostFileError)
# Errors that mean a damaged file when Whoosh raises them, a bug when we do.
_READ_ERRORS_IN_WHOOSH = (
    ValueError,
    OSError,
    IndexError,
    KeyError,
    OverflowError,
    TypeError,
    AttributeError,
)
_WHOOSH_DIR = os.path.dirname(os.path.abspath(whoosh.__file__)) + os.sep


def is_read_error(exc: BaseException) -> bool:
    """Return True when ``exc`` reports an unreadable index: a decoding error
    (struct, zlib, pickle, end of file), Whoosh's bare ``Exception`` (e.g. "Block tag
    error") or one of its own exception classes, or a ValueError, OSError, TypeError
    (...) raised inside Whoosh's code. The same errors raised by searchsvc's code are
    bugs, not damage, and are not reported as IndexCorrupt."""
    if isinstance(exc, _READ_ERRORS) or type(exc) is Exception:
        return True
    if type(exc).__module__.split(".")[0] == "whoosh":
        return True
    if not isinstance(exc, _READ_ERRORS_IN_WHOOSH):
        return False
    return _raised_in_whoosh(exc)


def _raised_in_whoosh(exc: BaseException) -> bool:
    """Return True when the innermost Python frame of the traceback that is not the
    standard library's (pickle, struct, ...) belongs to Whoosh."""
    tb = exc.__traceback__
    last = None
    stdlib = os.path.dirname(os.__file__) + os.sep
    while tb is not None:
        filename = os.path.abspath(tb.tb_frame.f_code.co_filename)
        if not filename.startswith(stdlib) or "site-packages" in filename:
            last = filename
        tb = tb.tb_next
    return last is not None and last.startswith(_WHOOSH_DIR)
