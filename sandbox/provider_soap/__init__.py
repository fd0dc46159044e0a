"""The SOAP sandbox game provider (mutual TLS, WSDL/XSD, HMAC)."""
