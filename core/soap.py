"""SOAP/XML partners (game providers and payment gateways): a zeep client built from a bundled WSDL, every message
body validated against the partner's XSD both ways, mutual TLS from the partner row, and every call run through
`OutboundClient.call` so SOAP partners share the breaker, the metrics and the error classes of REST ones.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import requests
import requests.auth
import zeep
import zeep.exceptions
from lxml import etree

from core.outbound import (
    OutboundClient,
    PartnerAdapter,
    PartnerRejected,
    PartnerSession,
    PartnerTimeout,
    PartnerUnavailable,
    transport_error,
)
from core.signing import sign_request
from core.tls import TlsMaterial

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"


class SchemaViolation(PartnerRejected):
    """A message that does not match the partner's XSD; never believed, never retried as is."""

    error_class = "schema"


class XsdValidationPlugin(zeep.Plugin):
    """Validate the first element of every SOAP body (request and response) against the XSD."""

    def __init__(self, xsd_path: str | Path):
        self.schema = etree.XMLSchema(etree.parse(str(xsd_path)))

    def _validate(self, envelope, direction: str):
        body = envelope.find(f"{{{SOAP_ENV_NS}}}Body")
        for element in body if body is not None else []:
            if element.tag == f"{{{SOAP_ENV_NS}}}Fault":
                continue
            if not self.schema.validate(element):
                raise SchemaViolation(
                    f"{direction} SOAP body does not match the XSD: {self.schema.error_log.last_error}"
                )

    def egress(self, envelope, http_headers, operation, binding_options):
        self._validate(envelope, "outbound")
        return envelope, http_headers

    def ingress(self, envelope, http_headers, operation):
        self._validate(envelope, "inbound")
        return envelope, http_headers


class SoapHmacAuth(requests.auth.AuthBase):
    """The contract's HMAC headers over the exact envelope bytes zeep sends (the platform signs its calls)."""

    def __init__(self, key_id: str, secret: str):
        self.key_id, self.secret = key_id, secret

    def __call__(self, request):
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else body
        request.headers.update(
            sign_request(
                key_id=self.key_id,
                secret=self.secret,
                method=request.method,
                path=urlsplit(request.url).path,
                body=body,
            )
        )
        return request


def soap_session(tls: TlsMaterial | None) -> requests.Session:
    session = PartnerSession()  # carries the platform's X-Request-ID to the partner
    # Partners are reached directly with the CA configured on their row: environment CA bundles and proxies,
    # which requests would otherwise let override session.verify, do not apply.
    session.trust_env = False
    session.mount("https://", PartnerAdapter(pool_maxsize=16))
    session.mount("http://", PartnerAdapter(pool_maxsize=16))
    options = tls.requests_options() if tls else {}
    if "cert" in options:
        session.cert = options["cert"]
    if "verify" in options:
        session.verify = options["verify"]
    return session


def soap_service(
    *,
    wsdl_path: str | Path,
    xsd_path: str | Path,
    endpoint: str,
    tls: TlsMaterial | None = None,
    connect_timeout: float = 3.0,
    read_timeout: float = 10.0,
    binding: str | None = None,
    auth: requests.auth.AuthBase | None = None,
):
    """A zeep service proxy bound to `endpoint` (the WSDL's own address is ignored). `auth` signs each request
    (e.g. the contract's HMAC headers over the envelope) on top of mutual TLS."""
    session = soap_session(tls)
    session.auth = auth
    transport = zeep.Transport(session=session, timeout=connect_timeout, operation_timeout=read_timeout)
    settings = zeep.Settings(strict=True, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    client = zeep.Client(
        wsdl=str(wsdl_path), transport=transport, settings=settings, plugins=[XsdValidationPlugin(xsd_path)]
    )
    binding = binding or next(iter(client.wsdl.bindings))
    return client.create_service(binding, endpoint)


def soap_call(client: OutboundClient, operation: str, send):
    """Run one SOAP call under the partner's breaker and histogram, translating zeep/requests errors.

    A fault with a Client code is the partner refusing this request (PartnerRejected, not retried); a Server fault
    (the partner's own word that it failed) or a connection that never carried the request is PartnerUnavailable;
    a read timeout, a connection dropped after sending, or a 5xx that is not a SOAP fault (a proxy in front of the
    partner) leaves the outcome unknown (PartnerTimeout).
    """

    def translated():
        try:
            return send()
        except zeep.exceptions.Fault as fault:
            code = (fault.code or "").rsplit(":", 1)[-1]
            error_class = PartnerRejected if code == "Client" else PartnerUnavailable
            raise error_class(
                f"{client.name}: SOAP fault {code}: {fault.message}",
                status=500,
                body={"faultcode": code, "faultstring": fault.message},
            ) from None
        except zeep.exceptions.TransportError as exc:
            error_class = PartnerTimeout if exc.status_code >= 500 else PartnerRejected
            raise error_class(f"{client.name}: HTTP {exc.status_code}", status=exc.status_code) from None
        except (zeep.exceptions.ValidationError, zeep.exceptions.XMLSyntaxError) as exc:
            raise SchemaViolation(f"{client.name}: invalid SOAP message: {exc}") from None
        except requests.exceptions.RequestException as exc:
            raise transport_error(client.name, exc) from exc

    return client.call(operation, translated)
