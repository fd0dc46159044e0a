"""The SOAP/XML provider adapter: zeep over the bundled WSDL/XSD, mutual TLS per provider."""
