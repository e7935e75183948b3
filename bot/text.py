"""Normalise customer text; find order ids, emails, postcodes, tracking numbers and amounts in it.

Pure. `find_*(raw)` returns `(start, end, value)` spans on the raw text, values normalised;
`parse_*(answer)` returns the one value in a customer's answer, or None.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Iterator, List, NamedTuple, Optional, Tuple

ORDER_ID = "order_id"
EMAIL = "email"
POSTCODE = "postcode"
TRACKING_NUMBER = "tracking_number"
AMOUNT = "amount"

# Zero-width characters and bidi marks/overrides/isolates: removed before anything is matched.
_IGNORED = frozenset(
    [chr(c) for c in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x200E, 0x200F)]
    + [chr(c) for c in range(0x202A, 0x202F)]
    + [chr(c) for c in range(0x2066, 0x206A)]
)
_FLAGS = re.ASCII | re.IGNORECASE
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
_DASH = f"[{_DASHES}]"
_SEP = f"(?: ?{_DASH} ?| )"  # between groups of an order id: a dash (maybe spaced) or one space


class Span(NamedTuple):
    """A value found in a text: `text[start:end]` is what the customer wrote, `value` is normalised."""

    start: int
    end: int
    value: str


class Entity(NamedTuple):
    """A typed span, as the NLU entity extractor reports it."""

    kind: str
    start: int
    end: int
    value: str


# ---------------------------------------------------------------------------------------------------
# Normalisation


def _normalise_mapped(text: str) -> Tuple[str, List[int], List[int]]:
    """Normalise `text` and return it with, for each output character, its raw start and end offsets."""
    out: List[str] = []
    starts: List[int] = []
    ends: List[int] = []
    pending_space: Optional[Tuple[int, int]] = None
    i, n = 0, len(text)
    while i < n:
        if text[i] in _IGNORED:
            i += 1
            continue
        j = i + 1  # a base character with its combining marks is normalised as one cluster
        while j < n and unicodedata.combining(text[j]):
            j += 1
        for ch in unicodedata.normalize("NFKC", text[i:j]):
            if ch.isspace():
                if pending_space is None:
                    pending_space = (i, j)
                continue
            if pending_space is not None:
                if out:
                    out.append(" ")
                    starts.append(pending_space[0])
                    ends.append(pending_space[1])
                pending_space = None
            out.append(ch)
            starts.append(i)
            ends.append(j)
        i = j
    return "".join(out), starts, ends


def normalise(text: str) -> str:
    """NFKC, drop zero-width and bidi control characters, collapse whitespace to single spaces, strip."""
    return _normalise_mapped(text)[0]


# ---------------------------------------------------------------------------------------------------
# Patterns (ASCII only: after NFKC, a Cyrillic or Arabic look-alike never counts as a letter or digit)

_AMAZON = re.compile(rf"(?<![0-9])(?:[0-9]{{3}}{_SEP}[0-9]{{7}}{_SEP}[0-9]{{7}}|[0-9]{{17}})", _FLAGS)
_EBAY = re.compile(rf"(?<![0-9])[0-9]{{2}}{_SEP}[0-9]{{5}}{_SEP}[0-9]{{5}}", _FLAGS)
_HASH_ID = re.compile(r"# ?(?P<id>[0-9]{4,10})", _FLAGS)
_WORD_ID = re.compile(
    r"\b(?:order|ordr|oder|odrer|orden|commande|bestellung)s?"
    r"(?:\s*(?:number|numb|num|nbr|no|nr|id|ref)\b\.?|\s*n\u00b0)?"
    r"(?:\s*(?:is|was)\b)?\s*[:=#]?\s*(?P<id>[0-9]{4,10})",
    _FLAGS,
)
_EMAIL = re.compile(
    r"(?<![a-z0-9._%+-])[a-z0-9._%+-]{1,64}@[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63}){0,8}\.[a-z]{2,24}(?![a-z0-9-])",
    _FLAGS,
)
# UPS: 1Z, 6-character shipper, 2-digit service, 8-digit package; often printed "1Z 999 AA1 01 2345 6784"
# (or in any groups, "1Z 999 AA1 0123 456 784", as customers copy it): 16 characters after 1Z, blanks aside
_UPS = re.compile(r"1Z(?: ?[0-9A-Z]){6}(?: ?[0-9]){10}(?![0-9A-Z])", _FLAGS)
_USPS = re.compile(r"(?<![0-9])(?:[0-9]{20,22}|9[0-9]{3}(?: [0-9]{4}){4}(?: [0-9]{2})?)", _FLAGS)
# UPU S10 (Royal Mail `RR473124829GB`, La Poste `LA…FR`, Correos `…ES`, bpost `…BE`, Post AT `…AT`, Poste Italiane
# `…IT`, DHL Paket international `…DE`, China Post `…CN`): 2 letters, 8 digits, a check digit, the country. Found alone
# only when the check digit holds; a number that fails it is a typo or something else, read only near a tracking word.
_S10 = re.compile(r"[A-Z]{2}[0-9]{9}[A-Z]{2}", _FLAGS)
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)
# Carriers' own numbers, distinctive enough to be found alone:
_STRONG_TRACKING = [
    _UPS,
    _USPS,  # (20-22 digits also cover DHL Paket's 20-digit `00340434…` and Post AT's 22 digits)
    re.compile(r"SF(?: ?[0-9]){12,13}", _FLAGS),  # SF Express (顺丰): SF + 12-13 digits, maybe in groups of 4
    re.compile(r"[0-9][A-Z][0-9]{11}", _FLAGS),  # La Poste / Colissimo: 13, a digit, a letter, 11 digits (`6A…`, `8R…`)
    re.compile(r"P[A-Z][0-9A-Z]{4}[0-9]{16}[A-Z]", _FLAGS),  # Correos: 23, `PQ4F6P0703673180181750T`
    re.compile(r"3232[0-9]{20}", _FLAGS),  # bpost: 24 digits from 3232
    re.compile(r"(?:JJD|JVGL)[0-9]{14,21}", _FLAGS),  # DHL Paket / DHL eCommerce: JJD or JVGL + digits
    re.compile(r"H[0-9]{19}", _FLAGS),  # Hermes Germany: H + 19 digits (`H10…`)
    re.compile(r"TBA ?[0-9]{12}", _FLAGS),  # Amazon Logistics (Amazon Shipping): TBA + 12 digits
]
# Bare digits, only near a tracking or carrier word: DHL Express 10, FedEx 12/15, DHL Paket and SF Express 12,
# DPD and Hermes 14, Post AT 16, 14-19 of other posts (Poste Italiane's registered mail 12 or 14); GLS's 11 only
# near "GLS" (11 digits are a Chinese mobile number as often); never 13 (a product's EAN barcode, a phone with
# its country code). 20-22 and bpost's 24 are found without a word (_STRONG_TRACKING).
_WEAK_TRACKING = re.compile(r"(?<![0-9])(?:[0-9]{14,19}|[0-9]{12}|[0-9]{10})", _FLAGS)
_GLS_TRACKING = re.compile(r"(?<![0-9])[0-9]{11}", _FLAGS)
_EVRI = re.compile(r"[HT][0-9A-Z]{15}", _FLAGS)  # Evri (Hermes UK): 16 characters from H or T, mostly digits
_TRACKING_CONTEXT = re.compile(
    r"\b(?:track\w*|trk|fedex|fed ex|dhl|ups|usps|waybill|awb|courier|shipment|parcel|consignment"
    r"|royal mail|canada post|china post|ems|evri|hermes|gls|dpd|bpost|colissimo|chronopost|la poste|correos|seur|poste italiane|post\\.at|post ag|sf express"
    r"|sendung\w*|paket\w*|p\u00e4ckchen|zusteller|suivi|colis|transporteur|livreur"
    r"|seguimiento|env[i\u00ed]o|paquete|mensajero|transportista|tracciamento|spedizione|pacco|corriere|raccomandata)\b"
    r"|\u00f6sterreichische post|\u5feb\u9012|\u7269\u6d41|\u8fd0\u5355|\u987a\u4e30|\u5305\u88f9|\u8ffd\u8e2a|\u8ddf\u8e2a",
    re.IGNORECASE,
)  # (Chinese: 快递 express, 物流 logistics, 运单 waybill, 顺丰 SF, 包裹 parcel, 追踪/跟踪 tracking)
_GLS_CONTEXT = re.compile(r"\bgls\b", _FLAGS)
_EVRI_CONTEXT = re.compile(r"\b(?:evri|hermes)\b", _FLAGS)
# A phone word right before bare digits makes them a phone number, whatever else the message says.
_PHONE_BEFORE = re.compile(
    r"(?:(?<!\w)(?:phone|tel|telephone|call|mobile|cell|fax|whatsapp|telefon\w*|handy\w*|rufnummer|t\u00e9l\u00e9phone"
    r"|telephone|portable|tel\u00e9fono|m\u00f3vil|movil|cellulare)(?!\w)|\u7535\u8bdd|\u624b\u673a|\u8054\u7cfb\u65b9\u5f0f)"
    r"[ .:=\uff1a]*(?:(?:number|nummer|nr|no|num\u00e9ro|n\u00famero|numero|is|ist|est|es|\u00e8"
    r"|\u53f7\u7801|\u662f|\u4e3a)(?!\w)[ .:=\uff1a]*)*\Z",
    re.IGNORECASE,
)  # (电话 phone, 手机 mobile, 联系方式 contact, 号码 number, 是/为 is)

# -- Postcodes (see find_postcodes for when each counts). The space at the canonical split is optional.
_GB = re.compile(
    r"(?<![0-9A-Z])(?:GIR ?0AA|(?:[A-PR-UWYZ][0-9][0-9A-HJKPSTUW]?|[A-PR-UWYZ][A-HK-Y][0-9][0-9ABEHMNPRV-Y]?)"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})",
    _FLAGS,
)
_CA = re.compile(r"(?<![0-9A-Z])[ABCEGHJ-NPRSTVXY][0-9][ABCEGHJ-NPRSTV-Z] ?[0-9][ABCEGHJ-NPRSTV-Z][0-9]", _FLAGS)
# Eircode: routing key (a letter of ACDEFHKNPRTVWXY and 2 digits, or D6W), then 4 of 0-9ACDEFHKNPRTVWXY
_IE = re.compile(r"(?<![0-9A-Z])(?:[ACDEFHKNPRTV-Y][0-9]{2}|D6W) ?(?P<uid>[0-9ACDEFHKNPRTV-Y]{4})", _FLAGS)
_NL = re.compile(r"(?<![0-9A-Z])[1-9][0-9]{3} ?(?P<letters>(?!S[ADS])[A-Z]{2})", _FLAGS)  # never SA, SD, SS
_JP = re.compile(rf"(?P<mark>\u3012 ?)?(?<![0-9])[0-9]{{3}}(?P<sep> ?{_DASH} ?| )?[0-9]{{4}}(?![0-9])", _FLAGS)
_ZIP = re.compile(rf"(?<![0-9])[0-9]{{5}}(?:{_DASH}[0-9]{{4}})?(?![0-9])", _FLAGS)  # US ZIP(+4), DE, FR, ES, IT
_CN = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])", _FLAGS)  # China, only after 邮编 (a postcode word)
_FOUR = re.compile(r"(?<![0-9])[0-9]{4}(?![0-9])", _FLAGS)  # AU (and AT, BE, CH, DK, NO...)

# "Bestellnummer 1157", "numéro de commande 1157", "número de pedido: 1157", "ordine n. 1157", "订单号1157":
# the order words of the languages served (bot/language.py), matched as Unicode words. ("单号" alone is
# left out: "快递单号" is a tracking number.) Chinese 是/为 ("is") touch the digits with no space between
# ("订单号是4501"): a word boundary is asked of the other languages' "ist", "est", "è" only.
_WORD_ID_INTL = re.compile(
    r"(?:(?<!\w)(?:bestell(?:ung)?s?-?(?:nummer|nr\.?)|bestellung|auftrags-?(?:nummer|nr\.?)"
    r"|(?:num[ée]ro|n[°º]|no\.?) de (?:commande|pedido)|commande|pedido"
    r"|(?:numero|n[°º.]?) (?:d['’]ordine|dell['’]ordine|ordine)|ordine(?: n[°º.]?)?)(?!\w)"
    r"|订单编号|订单号码|订单号|订单)"
    r"\s*(?:(?:(?:ist|lautet|est|es|è)(?!\w)|是|为)\s*)?[:=#：]?\s*(?P<id>[0-9]{4,10})(?![0-9])",
    re.IGNORECASE,
)

# A shop's order number said in a sentence when the bot asked for it (order_id_in_answer); a year is one
# only after a word that dates it ("in 2024", "seit 2023", "en 2024", "nel 2024", "2024年").
_ANSWER_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{3,9}(?![0-9])", _FLAGS)
_YEAR = re.compile(r"(?:19|20)[0-9]{2}", _FLAGS)
_YEAR_BEFORE = re.compile(
    r"(?<!\w)(?:in|since|from|of|year|seit|im|jahr|jahre|depuis|en|ann[\u00e9e]e|desde|del|de|a[\u00f1n]o|nel|dal|anno)"
    r" ?\Z", re.IGNORECASE,
)

# A bare number is an order number candidate when the message is about an order, a parcel or a return
# (`_context_order_id`): "mein paket 4103", "ma cde 4206", "mon colis 4203", "devolver el sombrero del 4301",
# "my parcel 1042 hasn't come", "die teekanne (4105) kam kaputt an": an order, a parcel, its arrival or its damage;
# not buying words ("I bought 3 things for 1001 reasons"). Words of the
# languages served (bot/language.py), as Unicode words; Chinese: 订单 order, 包裹 parcel, 快递 express, 退 return,
# 换 exchange, 下单 place an order, 发货 ship, 到货/收到 arrive, 寄 send; and a number right before 的
# ("4506的真丝连衣裙": 4506's silk dress).
_ORDER_CONTEXT = re.compile(
    r"(?<!\w)(?:order\w*|parcel\w*|package\w*|deliver\w*|shipment\w*|shipping|ship(?:ped)?|return\w*|refund\w*"
    r"|exchang\w*|cancel\w*|arriv\w*|received|damaged|broken|cracked|smashed"
    r"|bestell\w*|paket\w*|p(?:ä|ae)ckchen|sendung\w*|liefer\w*|geliefert|zur(?:ü|ue)ck\w*|r(?:ü|ue)cksend\w*"
    r"|retour\w*|umtausch\w*|storn\w*|erstatt\w*|angekommen|ankam|erhalten|kaputt\w*|besch(?:ä|ae)digt\w*|defekt\w*"
    r"|sprung|(?:ge|zer)sprungen"
    r"|commande\w*|cde|cmd|colis|livr\w*|renvo\w*|rembours\w*|[ée]chang\w*|annul\w*|re[çc]u\w*|cass[ée]\w*"
    r"|ab[iî]m[ée]\w*|endommag\w*"
    r"|pedido\w*|paquete\w*|env[ií]o\w*|devol\w*|devuel\w*|cambi\w*|reembols\w*|lleg\w*|recib\w*|rot[oa]s?"
    r"|da[ñn]ad[oa]s?"
    r"|ordin\w*|pacc[oh]\w*|spedi\w*|rendere|reso|restitu\w*|rimbors\w*|annull\w*|ricevut\w*|rott[oa]|rotti|rotte"
    r"|danneggiat\w*)(?!\w)"
    r"|订单|包裹|快递|退|换|下单|发货|到货|收到|寄|坏|破|碎",
    re.IGNORECASE,
)
_CONTEXT_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{3,7}(?![0-9])", _FLAGS)  # (10+ digits: a phone, a tracking number)
_OWNS = re.compile(r"\A ?的")

# Words around a code are matched as Unicode words ("80331 München": the "M" is no unit).
_WORD_FLAGS = re.IGNORECASE
# A word saying "postcode", right before the code ("postcode: 2000", "PLZ 10115", "zip code is 94107")...
_POSTCODE_WORD = (
    r"(?:post(?:al)? ?codes?|zip ?codes?|zips?|plz|postleitzahl|postnummer|c\.? ?p\.?|cap|eircode"
    r"|code postal|c[o\u00f3]digo postal|codice postale|\u3012|邮编|邮政编码)"
)
_POSTCODE_BEFORE = re.compile(
    rf"(?:(?<!\w){_POSTCODE_WORD}(?!\w)|邮编|邮政编码)[ :=,-]*(?:(?:(?:is|was|it[\u2019']?s|ist|lautet|est|es|è)(?!\w)|是|为)[ :=,-]*)*\Z",
    _WORD_FLAGS
)
# ... or right after it ("2000 is my postcode", "3011 AD (postcode)"); not a bare "zip" or "cap": "20 zip ties"
_POSTCODE_AFTER = re.compile(
    r"\A ?[,(]? ?(?:(?:is|was|=)(?!\w) ?)?(?:(?:my|the|our|your|their)(?!\w) ?)?"
    r"(?:post(?:al)? ?code|zip ?code|eircode|plz|postleitzahl|code postal)(?!\w)",
    _WORD_FLAGS,
)
_AU_STATE = re.compile(r"(?<![A-Za-z])(?:NSW|VIC|QLD|SA|WA|TAS|NT|ACT),? \Z", re.ASCII)  # "Sydney NSW 2000"
# Without such a word, a 5-digit number is a quantity, a price or a reference when one of these touches it,
_QUANTITY_AFTER = re.compile(
    r"\A ?(?:x|of|pcs|pieces?|items?|units?|pairs?|packs?|boxes|orders?|times|people|points|pts|steps"
    r"|km|kms|mi|miles?|m|cm|mm|kg|kgs|g|grams?|lbs?|oz|ml|l|years?|yrs?|months?|weeks?|days?|hours?|hrs?|h"
    r"|minutes?|mins?|seconds?|secs?|am|pm|yen|jpy|inr|rs|rupees?|won|krw|sek|nok|dkk|kr|czk|huf|pln|mxn"
    r"|pesos?|usd|eur|gbp|cad|aud|chf|dollars?|euros?|pounds?|bucks|quid|cents?)(?!\w)",
    _WORD_FLAGS,
)
_QUANTITY_BEFORE = re.compile(
    r"(?<!\w)(?:paid|pay|pays|paying|cost|costs|costing|price|priced|spent|spend|refund|refunded|charged"
    r"|charge|total|qty|quantity|x|ref|reference|ticket|case|invoice|rma|sku|item|account|acct|phone|tel|call"
    r"|mobile|fax|number|nr|no\.?|tracking|awb|waybill) ?[:=]? ?\Z",
    _WORD_FLAGS,
)
# or when it is one group of a longer number written in groups (a phone number: "07700 900123").
_DIGIT_GROUP_BEFORE = re.compile(r"(?<![^ ])(?:\+[0-9]{1,4}|\(?[0-9]{3,}\)?) \Z")
_DIGIT_GROUP_AFTER = re.compile(r"\A \(?[0-9]{3}")
# Two letters after 4 digits that are more often a word or a unit than a Dutch postcode ("2024 to 2025",
# "5000 km"); as typed in capitals only units and abbreviations are ("1000 MG"), so "3011 AD" is a postcode.
_NL_UPPER_WORDS = frozenset(
    "AM PM KM KG MG ML CM MM GB MB KB TB HZ OZ LB FT MI HR UK US EU OK TV PC ID HP PS VS XL XS".split()
)
_NL_WORDS = _NL_UPPER_WORDS | frozenset(
    "AN AS AT BE BY DO GO HE HI IF IN IS IT ME MY NO OF OH ON OR SO TO UP WE YA YO YE ST ND RD TH "
    "AD BC CE PT EA PP QT SQ YD".split()
) | frozenset(  # the same in the other languages served ("mon colis 4203 il arrive", "4101 ist da", "del 4301 es")
    "IL LE LA EL EN ET DE UN DU DA DI NE SE SI MA MI TU TE CE CI LO AL YA ES SU IM ZU UM AB ER DU".split()
)

_NUM = (
    r"(?<![0-9.,])(?P<num>[0-9]{1,3}(?:,[0-9]{3}){1,3}(?:\.[0-9]{1,2})?"
    r"|[0-9]{1,3}(?:\.[0-9]{3}){1,3}(?:,[0-9]{1,2})?|[0-9]{1,9}(?:[.,][0-9]{1,2})?)"
)
_SYMBOLS = {"US$": "USD", "C$": "CAD", "CA$": "CAD", "A$": "AUD", "$": "USD", "\u20ac": "EUR", "\u00a3": "GBP"}
_WORDS = {
    "dollar": "USD", "dollars": "USD", "bucks": "USD", "euro": "EUR", "euros": "EUR",
    "pound": "GBP", "pounds": "GBP", "quid": "GBP",
}
_CODES = ("USD", "EUR", "GBP", "CAD", "AUD", "CHF")
_SYM = r"(?P<sym>US\$|CA\$|C\$|A\$|\$|\u20ac|\u00a3)"
_CODE = rf"(?P<code>{'|'.join(_CODES)})\b"
_WORD = rf"(?P<word>{'|'.join(sorted(_WORDS, key=len, reverse=True))})\b"
_AMOUNTS = [
    re.compile(rf"{_SYM} ?{_NUM}", _FLAGS),
    re.compile(rf"\b{_CODE} ?{_NUM}", _FLAGS),
    re.compile(rf"{_NUM} ?(?:{_SYM}|{_CODE}|{_WORD})", _FLAGS),
]

# Characters that may not touch a match: they would make it part of a longer token.
_GLUE = set(_DASHES) | set("_#@/+&%$\u20ac\u00a3")


def _is_han(ch: str) -> bool:
    """A Chinese character: Chinese is written without spaces, so one touching a code does not join it."""
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _free(text: str, start: int, end: int, allow_before: str = "") -> bool:
    """True when text[start:end] is a whole token: no letter, digit or joining character touches it."""
    if start > 0:
        before = text[start - 1]
        if before not in allow_before and not _is_han(before):
            if before.isalnum() or before in _GLUE:
                return False
            if before in ".," and start > 1 and text[start - 2].isdigit():
                return False
    if end < len(text):
        after = text[end]
        if (after.isalnum() and not _is_han(after)) or after in _GLUE or unicodedata.category(after).startswith("M"):
            return False  # (a mark on the last symbol makes it another symbol, as it would anywhere else)
        if after in ".," and end + 1 < len(text) and text[end + 1].isdigit():
            return False
    return True


def _digits(s: str) -> str:
    return re.sub(r"[^0-9]", "", s, flags=re.ASCII)


def _amount_value(num: str, currency: str) -> Optional[str]:
    if "," in num and "." in num:
        decimal_mark = "." if num.rfind(".") > num.rfind(",") else ","
    elif "," in num:
        decimal_mark = "," if len(num) - num.rfind(",") - 1 != 3 else ""
    elif "." in num:
        decimal_mark = "." if len(num) - num.rfind(".") - 1 != 3 else ""
    else:
        decimal_mark = ""
    thousands = {",", "."} - {decimal_mark}
    plain = "".join(c for c in num if c not in thousands).replace(",", ".")
    try:
        return f"{Decimal(plain):.2f} {currency}"
    except InvalidOperation:
        return None


# ---------------------------------------------------------------------------------------------------
# Candidates on normalised text. Lower rank wins when two candidates overlap.


def _candidates(norm: str) -> Iterator[Tuple[int, str, int, int, str]]:
    for m in _EMAIL.finditer(norm):
        if _free(norm, m.start(), m.end()):
            yield 0, EMAIL, m.start(), m.end(), m.group().lower()
    for m in _AMAZON.finditer(norm):
        if _free(norm, m.start(), m.end(), allow_before="#"):
            d = _digits(m.group())
            yield 1, ORDER_ID, m.start(), m.end(), f"{d[:3]}-{d[3:10]}-{d[10:]}"
    for m in _EBAY.finditer(norm):
        if _free(norm, m.start(), m.end(), allow_before="#"):
            d = _digits(m.group())
            yield 1, ORDER_ID, m.start(), m.end(), f"{d[:2]}-{d[2:7]}-{d[7:]}"
    for m in _HASH_ID.finditer(norm):
        if _free(norm, m.start(), m.end()):
            yield 1, ORDER_ID, m.start(), m.end(), "#" + m.group("id")
    for m in _WORD_ID.finditer(norm):
        if _free(norm, m.start(), m.end()):
            yield 2, ORDER_ID, m.start("id"), m.end("id"), "#" + m.group("id")
    for m in _WORD_ID_INTL.finditer(norm):
        if _free(norm, m.start("id"), m.end("id"), allow_before=" :=#"):
            yield 2, ORDER_ID, m.start("id"), m.end("id"), "#" + m.group("id")
    yield from _tracking_candidates(norm)
    for pattern in _AMOUNTS:
        for m in pattern.finditer(norm):
            if not _free(norm, m.start(), m.end()):
                continue
            sym, code, word = (m.groupdict().get(k) for k in ("sym", "code", "word"))
            currency = _SYMBOLS[sym.upper()] if sym else code.upper() if code else _WORDS[word.lower()]
            value = _amount_value(m.group("num"), currency)
            if value is not None:
                yield 5, AMOUNT, m.start(), m.end(), value
    yield from _postcode_candidates(norm)


def _tracking_candidates(norm: str) -> Iterator[Tuple[int, str, int, int, str]]:
    """Tracking numbers in a sentence, with the rules of `find_tracking_numbers`."""
    for pattern in _STRONG_TRACKING:
        for m in pattern.finditer(norm):
            if _free(norm, m.start(), m.end()):
                yield 3, TRACKING_NUMBER, m.start(), m.end(), m.group().replace(" ", "").upper()
    context = _TRACKING_CONTEXT.search(norm) is not None
    for m in _S10.finditer(norm):
        holds = _s10_check_digit_holds(m.group())
        if _free(norm, m.start(), m.end()) and (holds or context):
            yield 3 if holds else 4, TRACKING_NUMBER, m.start(), m.end(), m.group().upper()
    if not context:
        return
    gls = _GLS_CONTEXT.search(norm) is not None
    for pattern in (_WEAK_TRACKING, _GLS_TRACKING) if gls else (_WEAK_TRACKING,):
        for m in pattern.finditer(norm):
            if _free(norm, m.start(), m.end()) and not _PHONE_BEFORE.search(norm, max(0, m.start() - 30), m.start()):
                yield 4, TRACKING_NUMBER, m.start(), m.end(), m.group()
    if _EVRI_CONTEXT.search(norm):
        for m in _EVRI.finditer(norm):
            if _free(norm, m.start(), m.end()) and len(_digits(m.group())) >= 10:
                yield 4, TRACKING_NUMBER, m.start(), m.end(), m.group().upper()


def _s10_check_digit_holds(code: str) -> bool:
    """UPU S10: the 8 serial digits weighted 8 6 4 2 3 5 9 7; check = 11 - sum mod 11, 10 -> 0, 11 -> 5."""
    serial, check = code[2:10], int(code[10])
    remainder = 11 - sum(int(d) * w for d, w in zip(serial, _S10_WEIGHTS)) % 11
    return check == {10: 0, 11: 5}.get(remainder, remainder)


def _postcode_candidates(norm: str) -> Iterator[Tuple[int, str, int, int, str]]:
    """Postcodes in a sentence, with the rules of `find_postcodes`."""
    for m in _GB.finditer(norm):
        if _free(norm, m.start(), m.end()):
            yield 6, POSTCODE, m.start(), m.end(), _gb_value(m.group())
    for m in _CA.finditer(norm):
        if _free(norm, m.start(), m.end()):
            yield 6, POSTCODE, m.start(), m.end(), _split(m.group(), 3)
    for m in _IE.finditer(norm):
        uid = m.group("uid")
        mixed = not uid.isdigit() and not uid.isalpha()
        if _free(norm, m.start(), m.end()) and (mixed or _postcode_word_near(norm, m.start(), m.end())):
            yield 6, POSTCODE, m.start(), m.end(), _split(m.group(), 3)
    for m in _NL.finditer(norm):
        letters = m.group("letters")
        stop = _NL_UPPER_WORDS if letters.isupper() else _NL_WORDS
        if _free(norm, m.start(), m.end()) and (  # (not "... 3000 is my postcode": the word is the letters)
                letters.upper() not in stop or _POSTCODE_BEFORE.search(norm, max(0, m.start() - 40), m.start())):
            yield 6, POSTCODE, m.start(), m.end(), _split(m.group(), 4)
    for m in _JP.finditer(norm):
        if _free(norm, m.start(), m.end()) and (m.group("mark") or _postcode_word_near(norm, m.start(), m.end())):
            yield 6, POSTCODE, m.start(), m.end(), _jp_value(m.group())
    for m in _ZIP.finditer(norm):
        start, end = m.span()
        if _free(norm, start, end) and (
                _postcode_word_near(norm, start, end) or not _number_of_something(norm, start, end)):
            yield 7, POSTCODE, start, end, _zip_value(m.group())
    for m in _CN.finditer(norm):
        start, end = m.span()
        if _free(norm, start, end) and _POSTCODE_BEFORE.search(norm, max(0, start - 40), start):
            yield 7, POSTCODE, start, end, m.group()
    for m in _FOUR.finditer(norm):
        start, end = m.span()
        if _free(norm, start, end) and (
                _postcode_word_near(norm, start, end) or _AU_STATE.search(norm, max(0, start - 6), start)):
            yield 7, POSTCODE, start, end, m.group()


def _postcode_word_near(norm: str, start: int, end: int) -> bool:
    return bool(_POSTCODE_BEFORE.search(norm, max(0, start - 40), start) or _POSTCODE_AFTER.match(norm[end:end + 40]))


def _number_of_something(norm: str, start: int, end: int) -> bool:
    """A number a word or a neighbouring group of digits makes a quantity, a price, a reference or a phone."""
    before, after = norm[max(0, start - 40):start], norm[end:end + 40]
    return bool(_QUANTITY_AFTER.match(after) or _QUANTITY_BEFORE.search(before)
                or _DIGIT_GROUP_BEFORE.search(before) or _DIGIT_GROUP_AFTER.match(after))


def _squashed(code: str) -> str:
    return re.sub(r"\s", "", code).upper()


def _split(code: str, at: int) -> str:
    code = _squashed(code)
    return f"{code[:at]} {code[at:]}"


def _gb_value(code: str) -> str:
    code = _squashed(code)
    return f"{code[:-3]} {code[-3:]}"


def _jp_value(code: str) -> str:
    digits = _digits(code)
    return f"{digits[:3]}-{digits[3:]}"


def _zip_value(code: str) -> str:
    digits = _digits(code)
    return digits if len(digits) == 5 else f"{digits[:5]}-{digits[5:]}"


def find_entities(text: str) -> List[Entity]:
    """Every order id, email, postcode, tracking number and amount in `text`, non-overlapping, in order.

    Offsets are on `text` as given (before normalisation); values are normalised.
    """
    norm, starts, ends = _normalise_mapped(text)
    chosen: List[Tuple[int, str, int, int, str]] = []
    taken = bytearray(len(norm))
    for cand in sorted(_candidates(norm), key=lambda c: (c[0], c[2] - c[3], c[2])):
        _, _, s, e, _ = cand
        if not any(taken[s:e]):
            taken[s:e] = b"\x01" * (e - s)
            chosen.append(cand)
    if not any(c[1] == ORDER_ID for c in chosen):
        chosen.extend(_context_order_id(norm, taken))
    chosen.sort(key=lambda c: c[2])
    found = [Entity(kind, starts[s], ends[e - 1], value) for _, kind, s, e, value in chosen]
    return [e for e in found if not (e.kind == ORDER_ID and _fullwidth(text[e.start:e.end])
                                     and not _chinese_fullwidth_number(text, text[e.start:e.end]))]


def _context_order_id(norm: str, taken: bytearray) -> List[Tuple[int, str, int, int, str]]:
    """A number said without "#" or an order word, in a message about an order, a parcel or a return ("hab 2
    wollpullover bestellt (4107)", "mon colis 4203 il arrive quand", "my parcel 1042 hasn't come"): the one free
    run of 4-8 digits, not from 0, that nothing else explains. Not a number another entity covers (a postcode,
    an amount, a tracking number), one a word makes a quantity, price, reference or phone, one group of a number
    in groups, one next to a postcode word, nor a year (19xx, 20xx). Two such numbers: none (which one?). A wrong
    guess costs little: the order is looked up and verified before anything is said about it."""
    if len(norm) > 300:
        return []
    found = {}
    for m in _CONTEXT_NUMBER.finditer(norm):
        start, end = m.span()
        if (_unexplained_number(norm, start, end, taken) and not _YEAR.fullmatch(m.group())
                and (_ORDER_CONTEXT.search(norm) or _OWNS.match(norm[end:end + 2]))):
            found.setdefault(m.group(), (8, ORDER_ID, start, end, "#" + m.group()))
    return list(found.values()) if len(found) == 1 else []


def _chinese_fullwidth_number(text: str, raw: str) -> bool:
    """Where the line is (issue 15 on issue 6): a Chinese keyboard in full-width mode types `＃１１５７`, so
    an order number written in full-width forms is read inside Chinese text (the message has a Chinese
    character), when every digit of it is full-width. A number mixing the two widths (`#10１01`), or a
    full-width one outside Chinese text, stays a look-alike and is never read."""
    digits = [ch for ch in raw if ch.isdigit()]
    return (any(_is_han(ch) for ch in text) and bool(digits)
            and all("\uff10" <= ch <= "\uff19" for ch in digits))


def _fullwidth(raw: str) -> bool:
    """Fullwidth forms (`１`, `＃`) look like an order number without being one as typed: NFKC reads
    them as ASCII, but an order number is never matched from them (a look-alike, like Cyrillic `О`)."""
    return any("\uff01" <= ch <= "\uff5e" for ch in raw)


def _find(text: str, kind: str) -> List[Span]:
    return [Span(e.start, e.end, e.value) for e in find_entities(text) if e.kind == kind]


def _single(spans: List[Span]) -> Optional[str]:
    values = {s.value for s in spans}
    return values.pop() if len(values) == 1 else None


def _bare(text: str) -> str:
    """The answer without surrounding spaces and sentence punctuation."""
    return normalise(text).strip(" .,;:!?\"'()[]")


# ---------------------------------------------------------------------------------------------------
# Public finders and parsers


def find_order_ids(text: str) -> List[Span]:
    """Amazon `114-3941689-8772232`, eBay `12-34567-89012`, Shopify/web `#1001` or `order 1001` -> `#1001`."""
    return _find(text, ORDER_ID)


def parse_order_id(text: str) -> Optional[str]:
    """The one order id in an answer; a bare answer of 4-10 digits counts as a Shopify/web id."""
    found = _single(find_order_ids(text))
    if found is not None:
        return found
    bare = _bare(text)
    return "#" + bare if re.fullmatch(r"[0-9]{4,10}", bare, re.ASCII) and not _fullwidth(text) else None


def _unexplained_number(norm: str, start: int, end: int, covered: bytearray) -> bool:
    """A run of digits nothing else explains: a whole number (no group of a longer one), outside every other
    entity (`covered`), not made a quantity, price, reference or phone by a word, nor next to a postcode word."""
    return (_free(norm, start, end) and not any(covered[start:end]) and not _number_of_something(norm, start, end)
            and not _PHONE_BEFORE.search(norm, max(0, start - 30), start) and not _postcode_word_near(norm, start, end))


def order_id_in_answer(text: str) -> Optional[str]:
    """The order number in an answer to "what is your order number?", also said in a sentence without "#"
    ("oh wait found it, it's 1042", "hab sie doch gefunden: 4101", "ya lo encontré, es el 4301"): the one
    order id `parse_order_id` reads, or else the one free run of 4-10 digits that nothing else explains.
    Not a number another entity covers (a postcode `10115`, an amount `1042 €`, a tracking number), one a
    word makes a quantity, price, reference or phone ("1500 pieces", "paid 1042", "phone: 7700900"), one group
    of a number in groups, a year after "in", "seit", "en", "nel"... ("in 2024"), nor a number from 0 (a phone
    or postcode more often than a shop's order number). Two different such numbers: None (which one?)."""
    found = parse_order_id(text)
    if found is not None or find_order_ids(text):
        return found
    if _fullwidth(text.translate(_SENTENCE_MARKS)) and not _chinese_fullwidth_number(text, text):
        return None  # (a full-width number is read only as Chinese text types it, as find_entities does)
    norm = normalise(text)
    if len(norm) > 300:
        return None
    covered = bytearray(len(norm))
    for entity in find_entities(norm):
        covered[entity.start:entity.end] = b"\x01" * (entity.end - entity.start)
    numbers = {
        m.group() for m in _ANSWER_NUMBER.finditer(norm)
        if _unexplained_number(norm, m.start(), m.end(), covered)
        and not (_YEAR.fullmatch(m.group()) and _YEAR_BEFORE.search(norm, max(0, m.start() - 20), m.start()))
    }
    return "#" + numbers.pop() if len(numbers) == 1 else None


def postcode_as_order_id(text: str, order_id: str) -> Optional[str]:
    """The postcode an order number read from `text` really is, when the bot waits for the proof of an order
    already named (the caller's condition): `order_id` is a plain shop number ("#01067") that starts with 0
    (a postcode or a phone, hardly ever a shop's order number), stands next to a postcode word ("die PLZ der
    bestellung ist 01067"), or is the whole answer in a postcode's 5 or 6 digits ("28013", "018956"). None
    otherwise: "#4107", "order 4107" or a bare "4107" name an order."""
    digits = order_id[1:] if order_id.startswith("#") else ""
    if not re.fullmatch(r"[0-9]{4,6}", digits, re.ASCII):
        return None
    norm = normalise(text)
    at = re.search(rf"(?<![0-9]){digits}(?![0-9])", norm, re.ASCII)
    if at is None:
        return None
    if digits.startswith("0") or _postcode_word_near(norm, at.start(), at.end()):
        return digits
    return digits if len(digits) > 4 and _bare(text) == digits else None


def find_emails(text: str) -> List[Span]:
    """Email addresses, lower-cased."""
    return _find(text, EMAIL)


def parse_email(text: str) -> Optional[str]:
    return _single(find_emails(text))


def find_postcodes(text: str) -> List[Span]:
    """Postcodes in a sentence, upper-cased and spaced the country's canonical way.

    Always found (their shape is rare in other text), in any case, spaced or not:
      GB `SW1A 1AA`, `NE1 7RU`, `EC1A 1BB`, `W1A 0AX`, `M1 1AE`, `B33 8TH`, `CR2 6XH`, `DN55 1PT`, `GIR 0AA`
      (-> a space before the inward 3); Canada `m5v2t6` -> `M5V 2T6`.
    Found unless something else explains them:
      5 digits (US ZIP `94107`, ZIP+4 `94107-1234`, DE `10115`, FR `75011`, ES `28013`, IT `00184`), unless a
        word makes it a quantity, price or reference ("10000 of them", "12000 yen", "paid 12000", "ticket
        12345") or it is one group of a number written in groups (a phone: "07700 900123");
      Eircode `D02 X285` when its last 4 mix letters and digits (else "W10 2023" would be one);
      Dutch `3511 LX` (`3511lx` -> `3511 LX`) unless the two letters are a word or unit ("2024 to 2025",
        "5000 km"; typed in capitals, only units and abbreviations: "1000 MG", but "3011 AD" counts).
    Found only next to a postcode word (postcode, post code, postal code, zip, zip code, plz, postleitzahl,
    cp, c.p., cap, eircode, code postal, codigo postal, codice postale, right before the code, maybe with
    "is" or ":", or "... is my postcode" right after it), or as noted:
      4 digits (AU `2000`, also after an Australian state: "Sydney NSW 2000"): a year, a quantity or part
        of an order number otherwise;
      Japan `100-0001`, `1000001` only after the postal mark (`〒100-0001`) or a postcode word (-> `100-0001`);
      6 digits (China `200040`; India, Singapore, Russia alike) only after 邮编 or 邮政编码: an amount, a phone's
        part or a reference otherwise;
      an Eircode whose last 4 are all letters or all digits, and the Dutch codes the rule above skips.
    Never: anything touching a letter, digit or joining character (`#1001`, `12-34567-89012`, `$94107`,
    `94107.50`), and nothing an order id, email, tracking number or amount already covers (`order 10001`).
    Letters and digits are ASCII after NFKC: fullwidth `７５０１１` is 75011 (but a fullwidth order number is
    never read, as anything), while Cyrillic, Arabic-Indic or marked look-alikes never match.
    """
    return _find(text, POSTCODE)


def parse_postcode(text: str) -> Optional[str]:
    """The one postcode in a customer's answer, or None (none, or two different ones).

    More permissive than `find_postcodes`: when the answer is only a postcode, maybe after a few words
    ("it's", "my postcode is", "zip:") and before "thanks", any shape above counts without a postcode
    word, spaced anyhow (`2000`, `2026`, `3011ad`, `S W 1 A 1 A A`, `100-0001`, `200040`). Not an answer typed in
    fullwidth forms: a bare fullwidth number is the look-alike `parse_order_id` refuses.
    """
    found = find_postcodes(text)
    if found:
        return _single(found)
    norm = normalise(text)
    if len(norm) > 200 or _fullwidth(text.translate(_SENTENCE_MARKS)):
        return None
    code = norm[_ANSWER_LEAD.match(norm).end():]
    tail = _ANSWER_TAIL.search(code)
    code = code[:tail.start()] if tail else code
    return _answer_postcode(code)


# Full-width punctuation a Chinese keyboard types around any answer ("610000，谢谢"): no look-alike of a code.
_SENTENCE_MARKS = dict.fromkeys(map(ord, "，！？：；（）"))
_ANSWER_LEAD = re.compile(
    r"\A(?:(?:yes|yeah|yep|yup|sure|ok|okay|hi|hello|hey|so|um|uh|er|well|it[\u2019']?s|it is|that[\u2019']?s"
    r"|that is|this is|here[\u2019']?s|here is|here you go|here you are|i live in|my|our|the|is|was"
    rf"|{_POSTCODE_WORD})(?!\w)[ ,:=.!-]*)*",
    _WORD_FLAGS,
)
_ANSWER_TAIL = re.compile(
    r"(?:[ ,.;:!?)\]\"'\u3002]|(?<!\w)(?:thanks|thank you|thx|ty|cheers|please|pls|谢谢|多谢|谢了"
    r"|(?:(?:is|was) )?(?:(?:my|the|our) )?(?:post(?:al)? ?code|zip ?code|eircode|plz))(?!\w))+\Z",
    _WORD_FLAGS,
)


def _answer_postcode(code: str) -> Optional[str]:
    """`code` (the answer without its lead-in words) when it is exactly one postcode."""
    squashed = _squashed(code)
    if _GB.fullmatch(squashed):
        return _gb_value(squashed)
    for pattern, at in ((_CA, 3), (_IE, 3), (_NL, 4)):
        if pattern.fullmatch(squashed):
            return _split(squashed, at)
    if _JP.fullmatch(code):
        return _jp_value(code)
    if _ZIP.fullmatch(code):
        return _zip_value(code)
    return code if _FOUR.fullmatch(code) or _CN.fullmatch(code) else None


def find_tracking_numbers(text: str) -> List[Span]:
    """Tracking numbers, upper-cased, blanks removed.

    Always found (their shape is rare in other text): UPS `1Z…`; USPS 20-22 digits (`9400…`, also in groups
    of 4; DHL Paket's 20-digit `00340434…` and Post AT's 22 digits have this shape too); UPU S10 with a
    valid check digit (Royal Mail `RR473124829GB`, La Poste `LA…FR`, Correos `…ES`, bpost `…BE`, Post AT
    `…AT`, Poste Italiane `…IT`, DHL `…DE`); SF Express `SF` + 12-13 digits; La Poste / Colissimo 13
    characters, a digit, a letter and 11 digits (`6A12345678901`, `8R…`); Correos 23 (`PQ4F6P…T`); bpost 24
    digits from `3232`; DHL Paket `JJD`/`JVGL` + digits; Hermes `H` + 19 digits; Amazon Logistics `TBA` + 12.
    Only near a tracking or carrier word of any language served ("tracking", "Sendungsnummer", "colis",
    "seguimiento", "spedizione", "快递单号", "DHL", "顺丰"…), as bare digits are more often an order number or a
    phone: 10, 12 or 14-19 digits (DHL Express, FedEx, DHL Paket, SF Express, DPD, Hermes, Post AT), 11 near
    "GLS", Evri's 16 characters near "Evri"/"Hermes", and an S10 whose check digit fails. Never digits right after a phone word ("Tel. 0891234567", "电话13812345678"), nor 4-6 digits
    (order numbers, postcodes). Letters and digits are ASCII after NFKC, so a number typed in full-width
    forms (`ＳＦ１２３…` on a Chinese keyboard) is read as typed in ASCII, as postcodes are.
    """
    return _find(text, TRACKING_NUMBER)


def parse_tracking_number(text: str) -> Optional[str]:
    """The one tracking number in an answer; a bare answer of 10, 12 or 14-19 digits counts too."""
    found = _single(find_tracking_numbers(text))
    if found is not None:
        return found
    bare = _bare(text)
    return bare if _WEAK_TRACKING.fullmatch(bare) else None


def find_amounts(text: str) -> List[Span]:
    """Money with a currency: `$25`, `25.99 EUR`, `€30`, `12,50 €`, `40 bucks` -> `"25.00 USD"`."""
    return _find(text, AMOUNT)


def parse_amount(text: str) -> Optional[str]:
    return _single(find_amounts(text))
