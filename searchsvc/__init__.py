"""searchsvc: full-text search for news archives, one paragraph at a time."""

__version__ = "0.1.0"
