"""Identity providers finaid signs people in through (OpenID Connect: ``oidc.py``), and second factors (TOTP:
``totp.py``). Nothing here knows the handlers' app: roles, units and sessions are the caller's."""
