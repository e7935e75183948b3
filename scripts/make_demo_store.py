"""Write data/demo_orders.json: the contract's fixture orders plus a few hundred seeded, realistic ones.

Deterministic: the same seed always writes the same bytes. Times are relative to ANCHOR (the file's
"anchor_date"); the importer rebases them to today. Usage: python scripts/make_demo_store.py [--check]
"""
from __future__ import annotations

import argparse
import json
import random
import sys
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Dict, List, Optional, Tuple

ANCHOR = date(2026, 11, 20)
SEED = 20261120
OUT = Path(__file__).resolve().parents[1] / "data" / "demo_orders.json"
NOW = datetime.combine(ANCHOR, time(0, 0), timezone.utc)  # every generated event happens before this

# ---------------------------------------------------------------- contract fixtures (verbatim values)
ALICE = {"email": "alice.martin@example.com", "name": "Alice Martin", "postcode": "94107", "country": "US"}
BEN = {"email": "ben.okafor@example.co.uk", "name": "Ben Okafor", "postcode": "SW1A 1AA", "country": "GB"}
CHLOE = {"email": "chloe.dubois@example.fr", "name": "Chloé Dubois", "postcode": "75011", "country": "FR"}
SAM = {"email": "sam.serial@example.com", "name": "Sam Sorel", "postcode": "10001", "country": "US"}
DAN = {"email": "dan.lee@example.com", "name": "Dan Lee", "postcode": "60614", "country": "US"}
ERIN = {"email": "erin.wu@example.ca", "name": "Erin Wu", "postcode": "M5V 2T6", "country": "CA"}

UTC, PARIS, TORONTO = timezone.utc, timezone(timedelta(hours=1)), timezone(timedelta(hours=-5))


def ago(days: int, hh: int, mm: int, tz: timezone = UTC) -> str:
    """ISO time `days` calendar days before the anchor at local hh:mm in `tz`."""
    return iso(datetime.combine(ANCHOR - timedelta(days=days), time(hh, mm), tz))


def iso(moment: datetime) -> str:
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def line(line_id: str, sku: str, title: str, category: str, qty: int, price: str, returned: int = 0) -> dict:
    return {"line_id": line_id, "sku": sku, "title": title, "category": category, "quantity": qty,
            "unit_price": price, "returned_quantity": returned}


FIXTURES: List[dict] = [
    {"order_id": "114-3941689-8772232", "channel": "amazon", "fulfillment": "merchant", "customer": ALICE,
     "placed_at": ago(9, 17, 42), "status": "delivered", "shipped_at": ago(8, 21, 10),
     "delivered_at": ago(5, 19, 26), "carrier": "UPS", "tracking_number": "1Z999AA10123456784",
     "currency": "USD", "return_shipping_cost": "7.50",
     "lines": [line("L1", "SHOE-RUN-42", "Trail running shoes", "shoes", 1, "89.99"),
               line("L2", "SOCK-3PK", "Running socks (3 pack)", "apparel", 1, "14.99")]},
    {"order_id": "113-5550123-4567890", "channel": "amazon", "fulfillment": "fba", "customer": ALICE,
     "placed_at": ago(6, 8, 15), "status": "delivered", "shipped_at": ago(5, 23, 2),
     "delivered_at": ago(3, 16, 48), "carrier": "Amazon Logistics", "tracking_number": "TBA304918372650",
     "currency": "USD", "lines": [line("L1", "KB-MECH", "Mechanical keyboard", "electronics", 1, "129.00")]},
    {"order_id": "12-34567-89012", "channel": "ebay", "fulfillment": "merchant", "customer": BEN,
     "placed_at": ago(49, 20, 31), "status": "delivered", "shipped_at": ago(48, 15, 5),
     "delivered_at": ago(45, 11, 37), "carrier": "Royal Mail", "tracking_number": "RR473124829GB",
     "currency": "GBP", "lines": [line("L1", "LAMP-DESK", "Desk lamp", "home", 1, "34.50")]},
    {"order_id": "#1001", "channel": "shopify", "fulfillment": "merchant", "customer": CHLOE,
     "placed_at": ago(5, 21, 14, PARIS), "status": "delivered", "shipped_at": ago(4, 14, 30, PARIS),
     "delivered_at": ago(2, 11, 52, PARIS), "carrier": "DHL", "tracking_number": "4271930585",
     "currency": "EUR", "return_shipping_cost": "6.50",
     "lines": [line("L1", "CASE-PH", "Phone case", "accessories", 1, "4.99")]},
    {"order_id": "#1002", "channel": "shopify", "fulfillment": "merchant", "customer": CHLOE,
     "placed_at": ago(3, 9, 3, PARIS), "status": "shipped", "shipped_at": ago(2, 16, 45, PARIS),
     "carrier": "DHL", "tracking_number": "1234567890",
     "currency": "EUR", "lines": [line("L1", "JACKET-W", "Wool jacket", "apparel", 1, "179.00")]},
    {"order_id": "#1003", "channel": "shopify", "fulfillment": "merchant", "customer": CHLOE,
     "placed_at": ago(1, 19, 27, PARIS), "status": "processing",
     "currency": "EUR", "lines": [line("L1", "MUG-SET", "Mug set", "home", 1, "24.00")]},
    {"order_id": "114-7777777-0000001", "channel": "amazon", "fulfillment": "merchant", "customer": SAM,
     "placed_at": ago(8, 13, 9), "status": "delivered", "shipped_at": ago(7, 18, 40),
     "delivered_at": ago(4, 15, 21), "carrier": "USPS", "tracking_number": "9400111899562834751933",
     "currency": "USD", "lines": [line("L1", "DRESS-RED", "Red dress", "apparel", 1, "120.00")]},
    {"order_id": "27-11111-22222", "channel": "ebay", "fulfillment": "merchant", "customer": DAN,
     "placed_at": ago(10, 2, 56), "status": "delivered", "shipped_at": ago(9, 17, 20),
     "delivered_at": ago(6, 14, 3), "carrier": "FedEx", "tracking_number": "771234567893",
     "currency": "USD",
     "lines": [line("L1", "EARBUDS", "Wireless earbuds", "electronics", 1, "59.00"),
               line("L2", "GIFT-CARD", "Gift card", "gift_card", 1, "25.00")]},
    {"order_id": "#1004", "channel": "web", "fulfillment": "merchant", "customer": ERIN,
     "placed_at": ago(4, 10, 12, TORONTO), "status": "delivered", "shipped_at": ago(3, 13, 35, TORONTO),
     "delivered_at": ago(1, 15, 40, TORONTO), "carrier": "UPS", "tracking_number": "1Z4F82E70394817260",
     "currency": "CAD", "lines": [line("L1", "VASE", "Glass vase", "home", 1, "45.00")]},
]

# ---------------------------------------------------------------- catalogue: sku, title, category, USD price
CATALOGUE: List[Tuple[str, str, str, str]] = [
    ("SHOE-RUN-42", "Trail running shoes", "shoes", "89.99"),
    ("SHOE-CHELSEA", "Leather Chelsea boots", "shoes", "149.00"),
    ("SHOE-CANVAS", "White canvas sneakers", "shoes", "59.00"),
    ("SHOE-SLIDE", "Pool slides", "shoes", "19.99"),
    ("SOCK-3PK", "Running socks (3 pack)", "apparel", "14.99"),
    ("JACKET-W", "Wool jacket", "apparel", "179.00"),
    ("DRESS-RED", "Red dress", "apparel", "120.00"),
    ("DRESS-LINEN", "Linen midi dress", "apparel", "98.00"),
    ("DRESS-WRAP", "Satin wrap dress", "apparel", "145.00"),
    ("TEE-ORGANIC", "Organic cotton T-shirt", "apparel", "24.00"),
    ("JEANS-SLIM", "Slim fit jeans", "apparel", "69.00"),
    ("HOODIE-GRY", "Grey zip hoodie", "apparel", "54.00"),
    ("RAIN-JKT", "Packable rain jacket", "apparel", "89.00"),
    ("SCARF-CASH", "Cashmere scarf", "apparel", "95.00"),
    ("KB-MECH", "Mechanical keyboard", "electronics", "129.00"),
    ("EARBUDS", "Wireless earbuds", "electronics", "59.00"),
    ("HEADPH-NC", "Noise-cancelling headphones", "electronics", "349.00"),
    ("CHARGER-65W", "65 W USB-C charger", "electronics", "39.99"),
    ("CABLE-USBC", "USB-C cable 1 m", "electronics", "9.99"),
    ("SPEAKER-BT", "Bluetooth speaker", "electronics", "79.00"),
    ("WEBCAM-HD", "1080p webcam", "electronics", "64.99"),
    ("MONITOR-27", "27-inch 4K monitor", "electronics", "429.00"),
    ("EREADER-6", "E-reader 6-inch", "electronics", "139.99"),
    ("LAMP-DESK", "Desk lamp", "home", "34.50"),
    ("MUG-SET", "Mug set", "home", "24.00"),
    ("VASE", "Glass vase", "home", "45.00"),
    ("ESPRESSO", "Espresso machine", "home", "649.00"),
    ("KNIFE-CHEF", "Chef's knife 20 cm", "home", "89.00"),
    ("TOWEL-SET", "Bath towel set", "home", "49.00"),
    ("CANDLE-SOY", "Soy wax candle", "home", "18.00"),
    ("PAN-CAST", "Cast iron skillet", "home", "42.00"),
    ("CASE-PH", "Phone case", "accessories", "4.99"),
    ("SCREEN-PROT", "Screen protector (2 pack)", "accessories", "3.99"),
    ("WALLET-LTH", "Leather wallet", "accessories", "49.00"),
    ("SUNGL-POL", "Polarised sunglasses", "accessories", "129.00"),
    ("DAYPACK-25", "25 L daypack", "accessories", "79.00"),
    ("KEYRING-BR", "Brass keyring", "accessories", "6.50"),
    ("SERUM-VITC", "Vitamin C serum", "beauty", "32.00"),
    ("LIPBALM", "Lip balm", "beauty", "3.50"),
    ("YOGA-MAT", "Yoga mat", "sports", "39.00"),
    ("BOTTLE-750", "Insulated bottle 750 ml", "sports", "27.00"),
    ("HELMET-BIKE", "Cycling helmet", "sports", "119.00"),
    ("PUZZLE-1000", "1000-piece jigsaw puzzle", "toys", "21.99"),
    ("BRICKS-SET", "Building bricks set", "toys", "59.99"),
    ("BOOK-COOK", "Cookbook: Weeknight Vegetables", "books", "28.00"),
    ("GIFT-CARD", "Gift card", "gift_card", "25.00"),
    ("GIFT-CARD-50", "Gift card", "gift_card", "50.00"),
    ("COFFEE-1KG", "Single-origin coffee beans 1 kg", "perishable", "34.00"),
    ("CHOC-BOX", "Dark chocolate gift box", "perishable", "22.00"),
    ("UW-BOXER-5", "Cotton boxer briefs (5 pack)", "underwear", "39.00"),
    ("UW-BRALETTE", "Seamless bralette", "underwear", "29.00"),
    ("SW-PHOTO", "Photo editor licence key", "digital", "79.00"),
    ("EBOOK-BREAD", "E-book: Sourdough at Home", "digital", "12.99"),
]
NON_RETURNABLE = ("gift_card", "perishable", "underwear", "digital")
WARDROBE = [item for item in CATALOGUE if item[2] in ("apparel", "shoes")]
FX = {"USD": Decimal("1"), "GBP": Decimal("0.79"), "EUR": Decimal("0.93"), "CAD": Decimal("1.38")}
LABEL_COSTS = {"USD": ["5.95", "7.50", "8.95", "12.40"], "GBP": ["3.35", "4.99", "6.50"],
               "EUR": ["4.90", "6.50", "8.90"], "CAD": ["9.50", "12.95", "16.20"]}
CARRIERS = {"USD": ["UPS", "USPS", "USPS", "FedEx"], "GBP": ["Royal Mail", "Royal Mail", "DHL", "UPS"],
            "EUR": ["DHL", "DHL", "UPS"], "CAD": ["UPS", "FedEx", "DHL"]}

# ---------------------------------------------------------------- customers
COUNTRIES = {  # country: (currency, email domain, postcodes, first names, last names)
    "US": ("USD", "example.com", ["10001", "94107", "60614", "73301", "98101", "02139", "30303", "80202",
                                  "33101", "97205", "19103", "55401"],
           ["Olivia", "Liam", "Emma", "Noah", "Ava", "Mason", "Harper", "Ethan", "Mia", "Lucas", "Grace",
            "Caleb", "Zoe", "Owen", "Maya", "Isaac"],
           ["Johnson", "Garcia", "Nguyen", "Patel", "Robinson", "Kim", "Walker", "Rivera", "Hughes", "Foster",
            "Ramirez", "Bennett", "Shapiro", "Coleman"]),
    "GB": ("GBP", "example.co.uk", ["EC1A 1BB", "W1A 0AX", "M1 1AE", "B33 8TH", "CR2 6XH", "LS1 4AP",
                                    "EH1 1YZ", "BS1 4DJ", "G2 1DY", "CB2 1TN", "OX1 2JD", "NE1 7RU"],
           ["Oliver", "Amelia", "George", "Isla", "Harry", "Poppy", "Jack", "Freya", "Alfie", "Niamh", "Rhys"],
           ["Smith", "Taylor", "Davies", "Evans", "Wright", "Thompson", "Clarke", "Hussain", "MacLeod", "Owen"]),
    "FR": ("EUR", "example.fr", ["75011", "69002", "13001", "31000", "33000", "44000", "67000", "59000"],
           ["Léa", "Hugo", "Manon", "Louis", "Camille", "Jules", "Inès", "Arthur", "Zoé", "Théo"],
           ["Martin", "Bernard", "Lefèvre", "Moreau", "Girard", "Roux", "Fournier", "Mercier"]),
    "DE": ("EUR", "example.de", ["10115", "80331", "20095", "50667", "60311", "70173", "01067", "04109"],
           ["Lukas", "Hannah", "Felix", "Lea", "Jonas", "Mia", "Paul", "Emilia", "Leon", "Sophie"],
           ["Müller", "Schmidt", "Schneider", "Weber", "Wagner", "Becker", "Hoffmann", "Schäfer"]),
    "NL": ("EUR", "example.nl", ["1012 JS", "3011 AD", "2511 CV", "3511 LX"],
           ["Daan", "Sanne", "Sem", "Julia", "Lars", "Fleur"], ["de Jong", "Jansen", "Visser", "Bakker"]),
    "ES": ("EUR", "example.es", ["28013", "08002", "41004", "46002"],
           ["Lucía", "Mateo", "Martina", "Pablo", "Sofía"], ["García", "López", "Sánchez", "Romero"]),
    "CA": ("CAD", "example.ca", ["M5V 2T6", "H2X 1Y4", "V6B 1A1", "T2P 2M5", "K1P 5J2", "R3C 4T3", "B3H 1A1"],
           ["Liam", "Charlotte", "Benjamin", "Chloe", "William", "Abigail", "Ryan", "Avery", "Nolan"],
           ["Tremblay", "Roy", "Wilson", "MacDonald", "Gagnon", "Campbell", "Singh", "Chen"]),
}
COUNTRY_WEIGHTS = {"US": 38, "GB": 20, "FR": 9, "DE": 11, "NL": 3, "ES": 3, "CA": 12}
TAKEN = [c["email"] for c in (ALICE, BEN, CHLOE, SAM, DAN, ERIN)]


@dataclass
class Shopper:
    customer: dict
    currency: str
    kind: str  # regular | loyal | serial | sam
    orders: int
    returns: int  # orders with a returned line (serial and sam: exact; others: a probability is used)
    span_days: Tuple[int, int]  # placed this many days before the anchor (min, max)


def make_customer(rng: random.Random, country: str, used: List[str],
                  name: Optional[Tuple[str, str]] = None) -> dict:
    _, domain, postcodes, firsts, lasts = COUNTRIES[country]
    while True:
        first, last = name or (rng.choice(firsts), rng.choice(lasts))
        local = f"{first}.{last}".lower().replace(" ", "")
        local = local.translate(str.maketrans("éèëüöäóíá", "eeeuoaoia"))
        email = f"{local}@{domain}"
        if email in used:
            email = f"{local}{rng.randint(2, 99)}@{domain}"
        if email not in used and email not in TAKEN:
            used.append(email)
            return {"email": email, "name": f"{first} {last}", "postcode": rng.choice(postcodes),
                    "country": country}
        name = None


def shoppers(rng: random.Random) -> List[Shopper]:
    used: List[str] = []
    people = [Shopper(SAM, "USD", "sam", 9, 8, (20, 330))]  # plus the fixture: 10 orders, 8 with returns
    for country, name, orders, returns in [("US", ("Taylor", "Brooks"), 12, 9), ("GB", ("Priya", "Nair"), 7, 5),
                                           ("DE", ("Lena", "Fischer"), 6, 4)]:
        people.append(Shopper(make_customer(rng, country, used, name), COUNTRIES[country][0], "serial",
                              orders, returns, (15, 350)))
    for country, name, orders in [("US", ("Robert", "Chen"), 30), ("GB", ("Margaret", "Ellis"), 24),
                                  ("FR", ("Sophie", "Laurent"), 18), ("CA", ("Nathan", "Moore"), 16)]:
        people.append(Shopper(make_customer(rng, country, used, name), COUNTRIES[country][0], "loyal",
                              orders, 1 if orders >= 24 else 0, (3, 720)))
    countries = list(COUNTRY_WEIGHTS)
    for _ in range(78):
        country = rng.choices(countries, weights=[COUNTRY_WEIGHTS[c] for c in countries])[0]
        orders = rng.choices([1, 2, 3, 4, 5], weights=[30, 28, 20, 13, 9])[0]
        people.append(Shopper(make_customer(rng, country, used), COUNTRIES[country][0], "regular",
                              orders, 0, (1, 420)))
    return people


# ---------------------------------------------------------------- tracking numbers (real check digits)
def ups(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTVWXY") for _ in range(6)) + \
           rng.choice(["01", "02", "03", "12"]) + "".join(rng.choice("0123456789") for _ in range(7))
    total = sum((int(c) if c.isdigit() else (ord(c) - 63) % 10) * (2 if i % 2 else 1) for i, c in enumerate(body))
    return f"1Z{body}{(10 - total % 10) % 10}"


def usps(rng: random.Random) -> str:
    digits = "9400111" + "".join(rng.choice("0123456789") for _ in range(14))
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return f"{digits}{(10 - total % 10) % 10}"


def royal_mail(rng: random.Random) -> str:
    serial = "".join(rng.choice("0123456789") for _ in range(8))
    check = 11 - sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7))) % 11
    return f"{rng.choice(['RR', 'TT', 'LX', 'JB'])}{serial}{0 if check == 10 else 5 if check == 11 else check}GB"


def dhl(rng: random.Random) -> str:
    serial = rng.randint(100_000_000, 999_999_999)
    return f"{serial}{serial % 7}"


def tracking(rng: random.Random, carrier: str) -> str:
    if carrier == "Amazon Logistics":
        return "TBA" + "".join(rng.choice("0123456789") for _ in range(12))
    if carrier == "FedEx":
        return rng.choice("2457") + "".join(rng.choice("0123456789") for _ in range(11))
    return {"UPS": ups, "USPS": usps, "Royal Mail": royal_mail, "DHL": dhl}[carrier](rng)


# ---------------------------------------------------------------- orders
FIRST_NUMBER = {"shopify": 1101, "web": 2101}  # above the fixtures' #1001-#1004


class Ids:
    """Marketplace order ids (random, never repeated); shop numbers are given in time order later."""

    def __init__(self, rng: random.Random):
        self.rng, self.seen = rng, [str(f["order_id"]) for f in FIXTURES]

    def new(self, channel: str) -> str:
        if channel not in ("amazon", "ebay"):
            return ""
        digits = lambda n: "".join(self.rng.choice("0123456789") for _ in range(n))  # noqa: E731
        while True:
            if channel == "amazon":
                order_id = f"{self.rng.choice(['111', '112', '113', '114'])}-{digits(7)}-{digits(7)}"
            else:
                order_id = f"{self.rng.randint(10, 27):02d}-{digits(5)}-{digits(5)}"
            if order_id not in self.seen:
                self.seen.append(order_id)
                return order_id


def price(usd: str, currency: str) -> str:
    """The catalogue's USD price in `currency`, rounded the way shops price (x.99, x.00)."""
    if currency == "USD":
        return usd
    value = Decimal(usd) * FX[currency]
    if Decimal(usd) < 10:
        return str((value * 10).quantize(Decimal("1"), ROUND_HALF_UP) / 10 - Decimal("0.01"))
    if usd.endswith(".00") or usd.endswith(".50"):
        return str(value.quantize(Decimal("1"), ROUND_HALF_UP)) + ".00"
    return str(value.quantize(Decimal("1"), ROUND_HALF_UP) - Decimal("0.01"))


def pick_lines(rng: random.Random, shopper: Shopper, returned: bool) -> List[dict]:
    count = rng.choices([1, 2, 3], weights=[64, 26, 10])[0]
    pool = WARDROBE if shopper.kind in ("sam", "serial") and rng.random() < 0.7 else CATALOGUE
    items: List[Tuple[str, str, str, str]] = []
    while len(items) < count:
        item = rng.choice(pool)
        if item in items or (item[2] == "digital" and not items) or \
                (item[2] in NON_RETURNABLE and rng.random() < 0.6):
            continue  # digital goods only ride along with a parcel; non-returnables are rarer
        items.append(item)
    lines = [line(f"L{n}", sku, title, category, rng.choices([1, 2, 3], weights=[86, 11, 3])[0],
                  price(usd, shopper.currency)) for n, (sku, title, category, usd) in enumerate(items, start=1)]
    returnable = [entry for entry in lines if entry["category"] not in NON_RETURNABLE]
    if returned and not returnable:  # make room for the return the history needs
        sku, title, category, usd = rng.choice(WARDROBE)
        lines.append(line(f"L{len(lines) + 1}", sku, title, category, 1, price(usd, shopper.currency)))
        returnable = [lines[-1]]
    if returned:
        chosen = rng.choice(returnable)
        chosen["returned_quantity"] = rng.randint(1, chosen["quantity"])
    return lines


def make_order(rng: random.Random, ids: Ids, shopper: Shopper, days: int, returned: bool) -> dict:
    channel = rng.choices(["amazon", "ebay", "shopify", "web"], weights=[40, 20, 25, 15])[0]
    fulfillment = "fba" if channel == "amazon" and rng.random() < 0.5 else "merchant"
    tz = UTC if channel in ("amazon", "ebay") else {"USD": TORONTO, "CAD": TORONTO, "EUR": PARIS,
                                                     "GBP": UTC}[shopper.currency]
    placed = datetime.combine(ANCHOR - timedelta(days=days), time(rng.randint(6, 22), rng.randint(0, 59)), tz)
    shipped = placed + timedelta(hours=rng.randint(3, 52))
    delivered = shipped + timedelta(days=rng.randint(1, 6), hours=rng.randint(-3, 5))
    cancelled = not returned and shopper.kind == "regular" and rng.random() < 0.04
    order: Dict[str, object] = {"order_id": ids.new(channel), "channel": channel, "fulfillment": fulfillment,
                                "customer": shopper.customer, "placed_at": iso(placed)}
    if cancelled or shipped >= NOW:
        order["status"] = "cancelled" if cancelled else "processing"
    else:
        order["status"] = "delivered" if delivered < NOW else "shipped"
        order["shipped_at"] = iso(shipped)
        if delivered < NOW:
            order["delivered_at"] = iso(delivered)
        carrier = "Amazon Logistics" if fulfillment == "fba" else rng.choice(CARRIERS[shopper.currency])
        order["carrier"], order["tracking_number"] = carrier, tracking(rng, carrier)
    order["currency"] = shopper.currency
    if fulfillment == "merchant" and rng.random() < 0.7:
        order["return_shipping_cost"] = rng.choice(LABEL_COSTS[shopper.currency])
    order["lines"] = pick_lines(rng, shopper, returned and order["status"] == "delivered")
    return order


def generate(seed: int = SEED) -> dict:
    rng = random.Random(seed)
    ids = Ids(rng)
    orders: List[dict] = []
    for shopper in shoppers(rng):
        low, high = shopper.span_days
        if shopper.kind == "regular":  # some orders this week, so some are processing or in transit
            days = sorted(rng.randint(1, 8) if rng.random() < 0.12 else rng.randint(low, high)
                          for _ in range(shopper.orders))
        else:
            days = sorted(rng.sample(range(low, high + 1), shopper.orders))
        if shopper.kind in ("sam", "serial", "loyal"):
            flags = [True] * shopper.returns + [False] * (shopper.orders - shopper.returns)
            rng.shuffle(flags)
        else:
            flags = [rng.random() < 0.08 for _ in days]
        for day, returned in zip(days, flags):
            if returned:
                day = max(day, 12)  # delivered, and long enough ago to have been sent back
            orders.append(make_order(rng, ids, shopper, day, returned))
    orders.sort(key=lambda order: (datetime.fromisoformat(str(order["placed_at"]).replace("Z", "+00:00")),
                                   str(order["order_id"])))
    next_number = dict(FIRST_NUMBER)
    for order in orders:
        channel = str(order["channel"])
        if channel in next_number:
            order["order_id"] = f"#{next_number[channel]}"
            next_number[channel] += 1
    return {
        "anchor_date": ANCHOR.isoformat(),
        "description": "returnbot demo store, written by scripts/make_demo_store.py (seed "
                       f"{seed}). Times are relative to anchor_date; `returnbot import-orders` "
                       "rebases them to today. The first orders are the fixtures tests rely on.",
        "orders": FIXTURES + orders,
    }


def render(seed: int = SEED) -> str:
    return json.dumps(generate(seed), indent=2, ensure_ascii=False) + "\n"


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT, help=f"where to write (default {OUT})")
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is not up to date")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = args.out.read_text(encoding="utf-8") if args.out.exists() else ""
        print(f"{args.out}: {'up to date' if current == text else 'OUT OF DATE, run the script'}")
        return 0 if current == text else 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {len(json.loads(text)['orders'])} orders")
    return 0


if __name__ == "__main__":
    sys.exit(main())
