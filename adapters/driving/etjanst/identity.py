"""The applicant's login behind a port (:class:`CitizenIdentity`).

Production: the municipality's e-identification broker (BankID, Freja eID) over OpenID Connect, through the
operations' OIDC adapter, the personnummer read from a configurable claim (``FINAID_ETJANST_PNR_CLAIM``). Demo
mode only: :class:`DemoCitizens` — a list of the synthetic households' adults to pick from, no password. A demo
login is refused outside demo mode. Whatever logs in, what follows (sessions, pages) is the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from decision import strict
from decision.errors import ConfigurationError


@dataclass(frozen=True)
class DemoCitizen:
    """An adult of a synthetic household, as the demo login lists them (synthetic data only)."""

    personnummer: str
    role: str  # applicant | partner
    municipality: str
    adults: int
    children: int
    last_month: str


class CitizenIdentity(Protocol):
    """The login port: which kind it is, the demo list (empty for a real e-identification), and the check
    that turns what the login returned into a personnummer (None: refused)."""

    kind: str  # "demo" | "oidc"

    def citizens(self) -> list[DemoCitizen]: ...

    def personnummer(self, answer: Mapping[str, Any]) -> str | None: ...


class DemoCitizens:
    """Demo mode only: the adults of the stored synthetic households (no protected identity) to pick from."""

    kind = "demo"

    def __init__(self, bundles: Callable[[], Iterable[dict[str, Any]]], demo: bool) -> None:
        if not demo:
            raise ConfigurationError("demo citizens are allowed only in demo mode (FINAID_MODE=demo)")
        self._bundles = bundles

    def citizens(self) -> list[DemoCitizen]:
        out: dict[str, DemoCitizen] = {}
        for bundle in self._bundles():
            app = bundle.get("application", {})
            members = app.get("household", [])
            adults = [m for m in members if m.get("role") in ("applicant", "partner")]
            children = len(members) - len(adults)
            for m in adults:
                pnr = m["personnummer"]
                seen = out.get(pnr)
                if seen is None or seen.last_month < app["month"]:
                    out[pnr] = DemoCitizen(pnr, m["role"], app["municipality"], len(adults), children, app["month"])
        return sorted(out.values(), key=lambda c: (c.municipality, c.role, c.personnummer))

    def personnummer(self, answer: Mapping[str, Any]) -> str | None:
        chosen = answer.get("personnummer")
        known = {c.personnummer for c in self.citizens()}
        return chosen if isinstance(chosen, str) and chosen in known else None


class FlowClient(Protocol):
    """What the e-identification login needs of an OpenID Connect client (adapters/driven/identity/oidc.py)."""

    def begin(self, redirect_uri: str) -> tuple[str, str]: ...

    def finish(self, params: Mapping[str, str], state_blob: str) -> Any: ...


class OidcCitizens:
    """The municipality's e-identification broker (BankID, Freja eID) over OpenID Connect: the personnummer
    from the configured claim of the signed-in person (``FINAID_ETJANST_PNR_CLAIM``)."""

    kind = "oidc"

    def __init__(self, client: FlowClient, redirect_uri: str, claim: str) -> None:
        self.client = client
        self.redirect_uri = redirect_uri
        self.claim = claim

    def citizens(self) -> list[DemoCitizen]:
        return []

    def personnummer(self, answer: Mapping[str, Any]) -> str | None:
        claims = answer.get("claims")
        return personnummer_from_claims(claims, self.claim) if isinstance(claims, Mapping) else None


def personnummer_from_claims(claims: Mapping[str, Any], claim: str) -> str | None:
    """The personnummer an OpenID Connect provider sent in ``claim`` (normalised), or None when it is missing
    or not a valid personnummer."""
    value = claims.get(claim)
    if not isinstance(value, str):
        return None
    try:
        return strict.parse_personnummer(value)
    except ValueError:
        return None
