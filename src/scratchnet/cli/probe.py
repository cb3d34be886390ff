"""The question a Dask worker is asked before it is given a run: which scratchnet does it import?

`scratchnet.cli.cluster` sends this module's function by value (cloudpickle), so that it reaches, and
answers from, a worker where scratchnet is missing or another version.
"""

from __future__ import annotations


def scratchnet_version() -> str | None:
    """Return the version of the scratchnet this process imports, or None when it has none."""
    try:
        import scratchnet
    except ImportError:
        return None
    return str(getattr(scratchnet, "__version__", "unknown"))
