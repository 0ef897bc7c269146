"""``python -m adapters.driving.cli``: the same as the ``finaid`` console script."""

from adapters.driving.cli.main import main

main()
