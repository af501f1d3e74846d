"""Pure core of sunshine-placement: no IO, no clock, no OS randomness.

Everything a verifier must reproduce is defined byte by byte in ``docs/spec.md``.
"""

from placement.errors import PlacementError

ALGORITHM = "balanced-deal/1"
PROTOCOL = "sunshine-placement/v1"

__all__ = ["ALGORITHM", "PROTOCOL", "PlacementError"]
