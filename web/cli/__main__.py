"""``python -m web.cli``: the same as the ``placement`` command."""

from web.cli import main

raise SystemExit(main())
