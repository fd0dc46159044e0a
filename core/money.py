"""ISO 4217 currencies and the conversion between API decimal strings and integer minor units.

Inside the platform money is always an int of minor units with its currency; decimal strings exist only at the
API edge. An amount with more decimals than the currency's exponent is refused, never rounded.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

# Active ISO 4217 codes and their minor-unit exponents (ISO 4217 table A.1).
_ISO_4217 = """
AED 2 AFN 2 ALL 2 AMD 2 ANG 2 AOA 2 ARS 2 AUD 2 AWG 2 AZN 2 BAM 2 BBD 2 BDT 2 BGN 2 BHD 3 BIF 0 BMD 2 BND 2
BOB 2 BRL 2 BSD 2 BTN 2 BWP 2 BYN 2 BZD 2 CAD 2 CDF 2 CHF 2 CLP 0 CNY 2 COP 2 CRC 2 CUP 2 CVE 2 CZK 2 DJF 0
DKK 2 DOP 2 DZD 2 EGP 2 ERN 2 ETB 2 EUR 2 FJD 2 FKP 2 GBP 2 GEL 2 GHS 2 GIP 2 GMD 2 GNF 0 GTQ 2 GYD 2 HKD 2
HNL 2 HTG 2 HUF 2 IDR 2 ILS 2 INR 2 IQD 3 IRR 2 ISK 0 JMD 2 JOD 3 JPY 0 KES 2 KGS 2 KHR 2 KMF 0 KPW 2 KRW 0
KWD 3 KYD 2 KZT 2 LAK 2 LBP 2 LKR 2 LRD 2 LSL 2 LYD 3 MAD 2 MDL 2 MGA 2 MKD 2 MMK 2 MNT 2 MOP 2 MRU 2 MUR 2
MVR 2 MWK 2 MXN 2 MYR 2 MZN 2 NAD 2 NGN 2 NIO 2 NOK 2 NPR 2 NZD 2 OMR 3 PAB 2 PEN 2 PGK 2 PHP 2 PKR 2 PLN 2
PYG 0 QAR 2 RON 2 RSD 2 RUB 2 RWF 0 SAR 2 SBD 2 SCR 2 SDG 2 SEK 2 SGD 2 SHP 2 SLE 2 SOS 2 SRD 2 SSP 2 STN 2
SVC 2 SYP 2 SZL 2 THB 2 TJS 2 TMT 2 TND 3 TOP 2 TRY 2 TTD 2 TWD 2 TZS 2 UAH 2 UGX 0 USD 2 UYU 2 UZS 2 VES 2
VND 0 VUV 0 WST 2 XAF 0 XCD 2 XOF 0 XPF 0 YER 2 ZAR 2 ZMW 2 ZWG 2
"""
_tokens = _ISO_4217.split()
CURRENCY_EXPONENTS: dict[str, int] = {code: int(exp) for code, exp in zip(_tokens[::2], _tokens[1::2], strict=True)}

# ASCII digits only: `\d` would also take other scripts' digits (fullwidth, Arabic-Indic), which Decimal accepts.
_AMOUNT = re.compile(r"[0-9]{1,15}(\.[0-9]{1,6})?")


class MoneyError(ValueError):
    """An amount or currency the platform refuses; `field` names what is wrong."""

    def __init__(self, message: str, field: str = "amount"):
        super().__init__(message)
        self.field = field


def currency_exponent(currency: str) -> int:
    try:
        return CURRENCY_EXPONENTS[currency]
    except (KeyError, TypeError):
        raise MoneyError(f"'{currency}' is not an ISO 4217 currency code.", field="currency") from None


def to_minor(amount: str | int | Decimal, currency: str, *, allow_zero: bool = False) -> int:
    """'12.50' EUR -> 1250. Refuses negatives, non-numbers and more decimals than the currency has."""
    exponent = currency_exponent(currency)
    text = str(amount).strip() if not isinstance(amount, Decimal) else format(amount, "f")
    if not _AMOUNT.fullmatch(text):
        raise MoneyError('Amount must be a positive decimal string such as "12.50".')
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise MoneyError("Amount must be a decimal string.") from None
    decimals = len(text.partition(".")[2])
    if decimals > exponent:
        raise MoneyError(f"{currency} allows at most {exponent} decimal places.")
    minor = int(value.scaleb(exponent))
    if minor == 0 and not allow_zero:
        raise MoneyError("Amount must be greater than zero.")
    return minor


def to_major(minor: int, currency: str) -> str:
    """1250 EUR -> '12.50'; -5 EUR -> '-0.05'."""
    exponent = currency_exponent(currency)
    return format(Decimal(minor).scaleb(-exponent), f".{exponent}f")


def money_format(minor: int | None, currency: str) -> str:
    """For people (admin pages, staff messages): 4000 EUR -> '40.00 EUR'; nothing for no amount. An amount in a code
    the platform does not know (as a partner may report) is shown as it came, marked as minor units."""
    if minor is None or not currency:
        return ""
    try:
        return f"{to_major(minor, currency)} {currency}"
    except MoneyError:
        return f"{minor} {currency} (minor units)"
