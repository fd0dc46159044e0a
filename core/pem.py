"""Checks of the PEM texts staff paste into a partner's form: a certificate, a CA bundle and a private key must load
(and the key must belong to the certificate) before the row is saved, never at the first call to the partner."""

from __future__ import annotations

from cryptography import x509
from cryptography.hazmat.primitives import serialization


class PemInvalid(ValueError):
    pass


def pem_certificates_check(text: str) -> None:
    try:
        if not x509.load_pem_x509_certificates(text.encode()):
            raise PemInvalid("No certificate in it.")
    except ValueError as exc:
        raise PemInvalid(f"Not a PEM certificate: {exc}") from None


def pem_private_key_check(text: str, *, certificate: str = "") -> None:
    try:
        key = serialization.load_pem_private_key(text.encode(), password=None)
    except (ValueError, TypeError) as exc:
        raise PemInvalid(f"Not an unencrypted PEM private key: {exc}") from None
    if certificate:
        public = x509.load_pem_x509_certificates(certificate.encode())[0].public_key()
        if public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo) != (
            key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
        ):
            raise PemInvalid("The private key does not belong to the client certificate.")


def pem_openssl_check(certificate: str, key: str) -> None:
    """Load the pair the way the outbound client will (OpenSSL, from files): a PEM whose newlines were lost parses
    in some libraries but not there."""
    import ssl

    from core.tls import pem_file

    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(pem_file(certificate), pem_file(key))
    except (ssl.SSLError, OSError) as exc:
        raise PemInvalid(f"OpenSSL cannot load the certificate and key: {exc}") from None


def pem_form_check(form, cleaned: dict) -> None:
    """A partner form's TLS fields: newlines as the PEM had them (a browser sends CRLF), each PEM loadable, and the
    key and the certificate given together and matching; errors are added to the form's fields."""
    for name in ("tls_client_cert", "tls_client_key", "tls_ca_cert"):
        if cleaned.get(name):
            cleaned[name] = cleaned[name].replace("\r\n", "\n")
    cert, key, ca = (cleaned.get(n) or "" for n in ("tls_client_cert", "tls_client_key", "tls_ca_cert"))
    for name, text in (("tls_client_cert", cert), ("tls_ca_cert", ca)):
        if text:
            try:
                pem_certificates_check(text)
            except PemInvalid as exc:
                form.add_error(name, str(exc))
    if key and cert and not form.errors.get("tls_client_cert"):
        try:
            pem_private_key_check(key, certificate=cert)
            pem_openssl_check(cert, key)
        except PemInvalid as exc:
            form.add_error("tls_client_key", str(exc))
    if bool(cert) != bool(key):
        form.add_error("tls_client_key" if cert else "tls_client_cert", "Mutual TLS needs the certificate and its key.")
