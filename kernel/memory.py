"""Handing memory the bot no longer uses back to the system.

Python frees objects into its own allocator and into the C library's, and glibc keeps freed pages for later
rather than returning them while they sit below memory still in use. After a large passing need (indexing the
knowledge base loads jieba's whole dictionary, about 70 MB, and lets it go) `give_back` asks glibc to return what it
can (malloc_trim); the bot's resident memory then shows what it holds. Without glibc (musl, macOS) it does nothing.
"""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Callable


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    trim = getattr(ctypes.CDLL(None), "malloc_trim", None)
    if trim is None:
        return None
    trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
    return trim


def give_back() -> None:
    """Return the C library's free memory to the system, where it can (glibc); a few milliseconds."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
