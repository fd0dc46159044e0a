# Client address ranges and the ISO 3166 alpha-2 country the gateway reports for them (X-Country-Code).
# Generate this file from the operator's GeoIP data; an address in no range is sent with no country at all.
# Example: 198.51.100.0/24 MT;
