"""Everything that touches the outside, in three layers: driving/ (what drives finaid: CLI, web app, API,
batch, rule-pack lifecycle), driven/ (what finaid drives: database, registry, renderers, letters), devtools/
(sandbox, synthetic generator, demo) — wired by bootstrap.py from settings.py (README: Layout)."""
