"""Adapter for SOAP/XML gateways speaking the bundled WSDL (the SOAP sandbox gateway, payments/sandbox_soap/)."""
