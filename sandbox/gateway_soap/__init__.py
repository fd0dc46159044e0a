"""The SOAP sandbox gateway (mutual TLS, WSDL/XSD), playing a banking vendor."""
