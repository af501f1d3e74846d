"""``python -m verifier PATH``: the same as ``verify-placement PATH``."""

from __future__ import annotations

from verifier._cli import main

raise SystemExit(main())
