"""The use cases: each one function taking a unit of work and the ports it needs (docs/architecture.md).

The CLI, the web app, the API and the batch call these and nothing else to change state. Each use case
reads its ``Clock`` once and passes the time down; letters are rendered before a transaction opens.
"""
