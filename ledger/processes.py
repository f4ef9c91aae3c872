"""Child processes that must not outlive their parent (a forked crawler, an export writer)."""

from __future__ import annotations

import os
import signal


def die_with_parent(parent: int) -> None:
    """Linux: the kernel kills this process when its parent dies (PR_SET_PDEATHSIG); elsewhere
    nothing. Exits at once when `parent` already died before the call."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1 = PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:
        os._exit(1)
