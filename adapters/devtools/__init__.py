"""Development aids, never production paths: the sandbox SSBTEK (sandbox/), the one seeded synthetic
generator (synthetic.py) and the demo (demo.py: ``finaid demo run`` / ``night``). Only the CLI's demo and
sandbox command modules import them (tests/unit/test_architecture.py)."""
