"""Where a parcel is: the carrier's name as customers know it and its public tracking page (pure)."""
from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple, Optional, Tuple
from urllib.parse import quote


class Carrier(NamedTuple):
    name: str                  # as the customer reads it, in every language (brands are not translated)
    page: str                  # the public tracking page, `{}` for the tracking number
    aliases: Tuple[str, ...]   # other spellings stores, marketplaces and returns platforms use


# Aliases are compared by `_key`: case, accents kept apart, and blanks, dashes, dots and underscores ignored,
# so `SF_EXPRESS`, `sf-express` and `SF Express` are one; eBay codes (`DEUTSCHE_POST`, `PosteItaliane`) and
# AfterShip slugs (`austrian-post`, `dhl-germany`, `hermes-de`, `correos-spain`) are listed.
CARRIERS = (
    Carrier("UPS", "https://www.ups.com/track?tracknum={}", ()),
    Carrier("USPS", "https://tools.usps.com/go/TrackConfirmAction?tLabels={}", ()),
    Carrier("FedEx", "https://www.fedex.com/fedextrack/?trknbr={}", ("fed ex",)),
    Carrier("DHL", "https://www.dhl.com/global-en/home/tracking.html?tracking-id={}", ("dhl express",)),
    Carrier("DHL Paket", "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={}",
            ("dhl germany", "dhl de", "deutsche post dhl", "dhl parcel de")),
    Carrier("Deutsche Post", "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={}", ()),
    Carrier("Royal Mail", "https://www.royalmail.com/track-your-item#/tracking-results/{}", ()),
    Carrier("Canada Post", "https://www.canadapost-postescanada.ca/track-reperage/en#/details/{}", ()),
    Carrier("SF Express", "https://www.sf-express.com/chn/sc/waybill/waybill-detail/{}",
            ("sf", "sfexpress", "顺丰", "顺丰速运", "顺丰快递")),
    Carrier("Colissimo", "https://www.laposte.fr/outils/suivre-vos-envois?code={}", ()),
    Carrier("La Poste", "https://www.laposte.fr/outils/suivre-vos-envois?code={}", ("laposte", "la poste colissimo")),
    Carrier("Chronopost", "https://www.chronopost.fr/tracking-no-cms/suivi-page?listeNumerosLT={}", ()),
    Carrier("Correos", "https://www.correos.es/es/es/herramientas/localizador/envios/detalle?tracking-number={}",
            ("correos spain", "correos españa")),
    Carrier("bpost", "https://track.bpost.cloud/btr/web/#/search?itemCode={}", ("bpost belgium", "belgian post")),
    Carrier("Österreichische Post", "https://www.post.at/s/sendungsdetails?snr={}",
            ("austrian post", "austria post", "post at", "post.at", "österreichische post ag", "osterreichische post")),
    Carrier("Poste Italiane", "https://www.poste.it/cerca/index.html#/risultati-spedizioni/{}",
            ("posteitaliane", "italian post", "poste italiane paccocelere")),
    Carrier("Hermes", "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation#{}",
            ("hermes de", "hermes germany", "myhermes")),
    Carrier("Evri", "https://www.evri.com/track/parcel/{}/details", ("evri uk", "hermes uk", "myhermes uk")),
    Carrier("GLS", "https://gls-group.eu/EU/en/parcel-tracking?match={}", ("gls germany", "gls de", "gls group")),
)


def _key(name: str) -> str:
    return re.sub(r"[\s._-]+", "", unicodedata.normalize("NFKC", name).strip().casefold())


_BY_KEY = {_key(spelling): carrier for carrier in CARRIERS for spelling in (carrier.name,) + carrier.aliases}


def carrier_named(name: Optional[str]) -> Optional[Carrier]:
    """The known carrier a store, marketplace or customer names, however spelt; None when unknown."""
    return _BY_KEY.get(_key(name)) if name else None


def carrier_display_name(name: Optional[str]) -> Optional[str]:
    """The carrier's name as customers know it (`SF_EXPRESS` -> `SF Express`, `austrian-post` ->
    `Österreichische Post`); an unknown carrier keeps the name it was given."""
    known = carrier_named(name)
    return known.name if known else (name.strip() or None if name else None)


def tracking_url(carrier: Optional[str], tracking_number: Optional[str]) -> Optional[str]:
    known = carrier_named(carrier)
    if not known or not tracking_number:
        return None
    return known.page.format(quote(tracking_number, safe=""))
