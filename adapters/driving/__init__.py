"""What drives finaid: the command line, the handlers' web app, the HTTP API, the nightly batch and the
rule-pack lifecycle commands' logic. Driving adapters call inward (decision/, rules/, audit/) and use the
driven adapters they are handed; the driven ones never import them (tests/unit/test_architecture.py)."""
