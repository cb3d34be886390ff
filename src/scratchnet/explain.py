"""The tutorial's wishes under the short name its pages use: `scratchnet.explain.wishes(net, X, labels)`.

They live in `scratchnet.tutorial.wishes` (and are exported by `scratchnet.tutorial.explain` beside the
other numbers behind the tutorial's pictures); this module only gives them the shorter address.
"""

from scratchnet.tutorial.wishes import Routes, Wishes, wishes

__all__ = ["Routes", "Wishes", "wishes"]
