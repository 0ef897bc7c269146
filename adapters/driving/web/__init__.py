"""The review web app, sign-off, decision letters and the HTTP API (docs/web.md)."""
