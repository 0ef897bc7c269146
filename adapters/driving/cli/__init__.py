"""The ``finaid`` command line: one typer app (main.py: ``main()``, exit codes in one place) and one module per
command group, named by the command's first word (``finaid case …`` is case.py, ``finaid audit …`` audit.py…).
Commands receive the bootstrap's services from ``main`` as the typer context's ``obj`` (common.services)."""
