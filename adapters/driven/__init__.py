"""What finaid drives: the database (db/), the registry client (ssbtek/), the renderers (render/), the
decision letters (letters/), the evidence store, the clock, logging and crash points. Nothing here imports
adapters.driving or adapters.devtools (tests/unit/test_architecture.py)."""
