"""The applicants' e-service (``finaid etjanst serve``, docs/etjanst.md): its own FastAPI app, sessions, templates,
CSS and gettext catalogues, apart from the handlers' web app. Server-rendered, mobile first, no JavaScript."""
