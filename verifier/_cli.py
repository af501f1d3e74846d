"""``verify-placement``: not built yet (the signed-record issue adds bundles and signatures)."""

from __future__ import annotations

import sys


def main() -> int:
    sys.stderr.write(
        "verify-placement: 尚未实现：签名记录与记录包的校验在后续版本提供。\n"
        "verify-placement: not implemented yet: "
        "signed records and bundles come in a later version.\n"
    )
    return 2


if __name__ == "__main__":
    raise SystemExit(main())
