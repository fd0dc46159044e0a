"""A small SOAP 1.1 server for the sandbox partners: parse the envelope safely, validate the body against the XSD,
dispatch on the body element's name, validate the answer, and render faults as SOAP faults (HTTP 500)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from lxml import etree

SOAP_ENV_NS = "http://schemas.xmlsoap.org/soap/envelope/"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, remove_blank_text=True)


class SoapFault(Exception):
    def __init__(self, message: str, *, code: str = "Client", detail: str = ""):
        super().__init__(message)
        self.code, self.message, self.detail = code, message, detail


def envelope(body_element: etree._Element) -> bytes:
    env = etree.Element(f"{{{SOAP_ENV_NS}}}Envelope", nsmap={"soap": SOAP_ENV_NS})
    etree.SubElement(env, f"{{{SOAP_ENV_NS}}}Body").append(body_element)
    return etree.tostring(env, xml_declaration=True, encoding="utf-8")


def fault_response(fault: SoapFault) -> HttpResponse:
    element = etree.Element(f"{{{SOAP_ENV_NS}}}Fault")
    etree.SubElement(element, "faultcode").text = f"soap:{fault.code}"
    etree.SubElement(element, "faultstring").text = fault.message
    if fault.detail:
        etree.SubElement(element, "detail").text = fault.detail
    return HttpResponse(envelope(element), status=500, content_type="text/xml; charset=utf-8")


def soap_view(
    *,
    xsd_path: str | Path,
    handlers: dict[str, Callable[[etree._Element], etree._Element]],
    before: Callable | None = None,
):
    """A Django view serving the operations in `handlers` (keyed by the request element's local name).
    `before(request)` runs first (fault injection, authentication) and may raise SoapFault."""
    schema = etree.XMLSchema(etree.parse(str(xsd_path)))

    @csrf_exempt
    def view(request):
        if request.method != "POST":
            return HttpResponse(status=405)
        try:
            if before is not None:
                before(request)
            try:
                root = etree.fromstring(request.body, parser=_PARSER)
            except etree.XMLSyntaxError as exc:
                raise SoapFault(f"malformed XML: {exc}") from None
            body = root.find(f"{{{SOAP_ENV_NS}}}Body")
            if root.tag != f"{{{SOAP_ENV_NS}}}Envelope" or body is None or len(body) != 1:
                raise SoapFault("expected a SOAP 1.1 envelope with one body element")
            operation = body[0]
            if not schema.validate(operation):
                raise SoapFault(f"request does not match the schema: {schema.error_log.last_error}")
            handler = handlers.get(etree.QName(operation).localname)
            if handler is None:
                raise SoapFault(f"unknown operation {etree.QName(operation).localname}")
            answer = handler(operation)
            if not schema.validate(answer):
                raise SoapFault(f"answer does not match the schema: {schema.error_log.last_error}", code="Server")
        except SoapFault as fault:
            return fault_response(fault)
        return HttpResponse(envelope(answer), content_type="text/xml; charset=utf-8")

    return view
