"""The HTTP API for the e-service and the case system (docs/web.md)."""
