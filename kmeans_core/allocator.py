"""Process-wide settings of glibc's memory allocator, for the programs that own a process.

A library must not change these; an entry point may. On other C libraries (macOS, musl,
Windows) the calls do nothing.
"""

from __future__ import annotations

import ctypes

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD, _M_ARENA_MAX = -1, -3, -8  # from glibc's malloc.h


def _mallopt(option: int, value: int) -> bool:
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(option, value))
    except (OSError, AttributeError):
        return False


def keep_freed_memory() -> None:
    """For a one-shot batch process: keep freed memory for reuse.

    By default every freed block over 32 MB goes back to the system and the next one is
    faulted in page by page, which costs a large image about a third of the CLI's run. A
    long-lived server should not call this: its memory would never shrink.
    """
    _mallopt(_M_MMAP_THRESHOLD, 1 << 30)
    _mallopt(_M_TRIM_THRESHOLD, 1 << 30)


def return_large_blocks(threshold: int = 4 << 20, arenas: int = 2) -> None:
    """For a long-lived server that computes on many threads: give large blocks back.

    glibc gives busy threads arenas of their own, and by default raises its mmap threshold
    to 32 MB as big blocks are freed, after which blocks of an image's size are carved from
    those arenas and stay there when freed: a Streamlit server's memory grows with its
    sessions (measured: a 4-user soak with 12 MP photos peaked at 1 GB). A fixed threshold
    maps every block of ``threshold`` bytes or more on its own and unmaps it when freed (the
    same soak: under 0.5 GB, no slower); ``arenas`` caps the arenas created after the call.
    """
    _mallopt(_M_MMAP_THRESHOLD, threshold)
    _mallopt(_M_ARENA_MAX, arenas)
