"""Where a parcel is: the carrier's public tracking page for a tracking number (pure)."""
from __future__ import annotations

from typing import Optional
from urllib.parse import quote

_TRACKING_PAGES = {
    "ups": "https://www.ups.com/track?tracknum={}",
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={}",
    "dhl": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={}",
    "royal mail": "https://www.royalmail.com/track-your-item#/tracking-results/{}",
    "canada post": "https://www.canadapost-postescanada.ca/track-reperage/en#/details/{}",
}


def tracking_url(carrier: Optional[str], tracking_number: Optional[str]) -> Optional[str]:
    if not carrier or not tracking_number:
        return None
    template = _TRACKING_PAGES.get(carrier.strip().lower())
    return template.format(quote(tracking_number, safe="")) if template else None
