"""The handlers' review web app: sign-off, pages in views/ (one module per page), sessions and accounts
(docs/web.md). The HTTP API is adapters/driving/api; letters are rendered by adapters/driven/letters."""
