"""Where indexes built before the engine seam look for their field types.

Whoosh pickles the schema into each index's table of contents, naming the classes by
module path; indexes written by searchsvc 0.1 name ``searchsvc.analysis.AnalysedText``.
The class lives in the Whoosh engine now; this module only keeps the old path
importable.
"""

from searchsvc.engines.whoosh.analysis import AnalysedText

__all__ = ["AnalysedText"]
