"""Mutual TLS against the sandbox behind a TLS listener that requires a client certificate.

The test makes its own CA, server and client certificates with ``cryptography``. The right client
certificate gets answers; a wrong one (another CA) or none is a whole-call failure; a server the
client's CA did not sign is refused (verification is always on); a key readable by others is a
configuration error before any call.
"""

from __future__ import annotations

import asyncio
import ipaddress
import os
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from adapters.devtools import synthetic
from adapters.devtools.sandbox.app import SOAP_PATH, create_app
from adapters.driven.evidence import MemoryEvidenceStore
from adapters.driven.ssbtek.client import ClientConfig, SsbtekRegistrySource
from adapters.settings import Settings
from decision.errors import ConfigurationError

from .conftest import Sandbox, ServerThread


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _cert(subject: str, key: ec.EllipticCurvePrivateKey, issuer: tuple[str, ec.EllipticCurvePrivateKey] | None,
          *, ca: bool = False, server: bool = False) -> x509.Certificate:
    now = datetime.now(UTC)
    issuer_name, issuer_key = (subject, key) if issuer is None else issuer
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    elif not ca:
        builder = builder.add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


def _write(folder: Path, name: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey | None = None) -> Path:
    path = folder / f"{name}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    if key is not None:
        key_path = folder / f"{name}.key"
        key_path.write_bytes(
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption())
        )
        os.chmod(key_path, 0o600)
    return path


@dataclass
class Pki:
    ca: Path
    client: Path
    client_key: Path
    rogue_client: Path
    rogue_key: Path
    other_ca: Path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    d = tmp_path_factory.mktemp("pki")
    ca_key, rogue_ca_key = _key(), _key()
    ca = _cert("finaid test CA", ca_key, None, ca=True)
    rogue_ca = _cert("someone else's CA", rogue_ca_key, None, ca=True)
    server_key, client_key, rogue_key = _key(), _key(), _key()
    _write(d, "server", _cert("127.0.0.1", server_key, ("finaid test CA", ca_key), server=True), server_key)
    _write(d, "client", _cert("kommun-test", client_key, ("finaid test CA", ca_key)), client_key)
    _write(d, "rogue", _cert("kommun-test", rogue_key, ("someone else's CA", rogue_ca_key)), rogue_key)
    return Pki(
        ca=_write(d, "ca", ca), client=d / "client.pem", client_key=d / "client.key", rogue_client=d / "rogue.pem",
        rogue_key=d / "rogue.key", other_ca=_write(d, "other-ca", rogue_ca),
    )


@pytest.fixture(scope="module")
def tls_url(pki: Pki, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = pki.ca.parent
    app = create_app(synthetic.population(len(synthetic.ARCHETYPES), 5))
    with ServerThread(
        app,
        ssl_certfile=str(folder / "server.pem"),
        ssl_keyfile=str(folder / "server.key"),
        ssl_ca_certs=str(pki.ca),
        ssl_cert_reqs=ssl.CERT_REQUIRED,
    ) as server:
        yield f"https://127.0.0.1:{server.port}{SOAP_PATH}"


def _fetch(sandbox: Sandbox, url: str, **cfg: object) -> list[str]:
    config = ClientConfig(url=url, timeout_s=3, connect_timeout_s=2, attempts=1, **cfg)  # type: ignore[arg-type]
    source = SsbtekRegistrySource(config, MemoryEvidenceStore())
    entries = asyncio.run(source.fetch(sandbox.bundle("every_source")))
    return [e.status.value for e in entries] + [e.error or "" for e in entries]


def test_the_right_client_certificate_gets_answers(sandbox: Sandbox, pki: Pki, tls_url: str) -> None:
    got = _fetch(sandbox, tls_url, cert=pki.client, key=pki.client_key, ca=pki.ca, allow_provisional_skv=True)
    assert "unavailable" not in got and "ok" in got


def test_a_client_certificate_from_another_ca_is_a_whole_call_failure(sandbox: Sandbox, pki: Pki,
                                                                      tls_url: str) -> None:
    got = _fetch(sandbox, tls_url, cert=pki.rogue_client, key=pki.rogue_key, ca=pki.ca)
    statuses = got[: len(got) // 2]
    assert set(statuses) == {"unavailable"} and len(statuses) == 7


def test_no_client_certificate_is_a_whole_call_failure(sandbox: Sandbox, pki: Pki, tls_url: str) -> None:
    got = _fetch(sandbox, tls_url, ca=pki.ca)
    assert set(got[:7]) == {"unavailable"}


def test_a_server_the_configured_ca_did_not_sign_is_refused(sandbox: Sandbox, pki: Pki, tls_url: str) -> None:
    got = _fetch(sandbox, tls_url, cert=pki.client, key=pki.client_key, ca=pki.other_ca)
    assert set(got[:7]) == {"unavailable"}
    assert any("TLS" in e for e in got[7:])


def test_a_key_readable_by_others_is_refused_before_any_call(pki: Pki, tls_url: str, tmp_path: Path) -> None:
    loose = tmp_path / "loose.key"
    loose.write_bytes(pki.client_key.read_bytes())
    os.chmod(loose, 0o640)
    settings = Settings(mode="production", ssbtek_url=tls_url, ssbtek_cert=pki.client, ssbtek_key=loose,  # type: ignore[call-arg]
                        ssbtek_ca=pki.ca, ssbtek_organisationsnummer="162120000001", ssbtek_aktorsid="a")
    with pytest.raises(ConfigurationError, match="0600"):
        ClientConfig.from_settings(settings)
    os.chmod(loose, 0o600)
    assert ClientConfig.from_settings(settings).key == loose
