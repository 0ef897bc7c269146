"""``python -m adapters.sandbox``: the sandbox SSBTEK on loopback (benchmarks and tests start it so).

``finaid sandbox serve`` is the same with demo-mode checks; this entry point is for finaid's own
tooling and binds to 127.0.0.1 only as well.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from adapters.devtools.sandbox.app import serve


def main() -> None:
    parser = argparse.ArgumentParser(description="finaid sandbox SSBTEK (synthetic data only, 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8088)
    parser.add_argument("--households", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--faults", type=Path, default=None)
    args = parser.parse_args()
    serve("127.0.0.1", args.port, args.households, args.seed, args.faults)


if __name__ == "__main__":
    main()
