"""Child processes that end with the thread that started them, however it ends (Linux).

A run's `scratchnet train` child (`scratchnet.cli.runs`, `cli.members`) and a server's reading workers
(`scratchnet.web.readers`) must not outlive their parent, even one killed outright (kill -9), where no
code of its own runs to end them: the kernel sends them SIGKILL instead.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable

PR_SET_PDEATHSIG = 1
"""Linux's prctl option: the signal a child gets when the thread that started it ends."""


def die_with_parent() -> Callable[[], None] | None:
    """Return what a child runs before it starts so that it dies with this thread (Linux), or None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    prctl = ctypes.CDLL(None, use_errno=True).prctl  # looked up here, not in the forked child
    return lambda: prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
