"""Reading one platform record defensively: each helper returns a clean value or raises `Malformed`
naming the field, so an adapter can skip that one record with a reason instead of failing the sync.
Reasons name fields and bad dates or numbers, never personal data."""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, List, Mapping, Optional, Tuple

from bot.models import Money
from bot.platforms import ReturnedItem


class Malformed(ValueError):
    pass


def obj(record: Any, key: str, required: bool = True) -> Mapping[str, Any]:
    value = record.get(key) if isinstance(record, Mapping) else None
    if isinstance(value, Mapping):
        return value
    if value is None and not required:
        return {}
    raise Malformed(f"{key} is {'missing' if value is None else 'not an object'}")


def items_of(record: Mapping[str, Any], key: str) -> List[Mapping[str, Any]]:
    value = record.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise Malformed(f"{key} is not a list of objects")
    return value


def text(record: Mapping[str, Any], key: str, required: bool = True, max_len: int = 100) -> Optional[str]:
    """A string (numbers are accepted as ids often are), stripped; '' and 'N/A' count as absent."""
    value = record.get(key)
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        if value is None and not required:
            return None
        raise Malformed(f"{key} is {'missing' if value is None else 'not text'}")
    value = str(value).strip()
    if not value or value.upper() == "N/A":
        if required:
            raise Malformed(f"{key} is empty")
        return None
    if len(value) > max_len:
        raise Malformed(f"{key} is longer than {max_len} characters")
    return value


def timestamp(record: Mapping[str, Any], key: str, required: bool = True) -> Optional[datetime]:
    """An ISO 8601 time (`2023-01-01T22:27:15.000Z`, `2023-08-22 14:08:31`); without an offset it is UTC."""
    value = record.get(key)
    if value in (None, "") and not required:
        return None
    if not isinstance(value, str):
        raise Malformed(f"{key} is {'missing' if value is None else 'not a time'}")
    raw = value.strip()
    try:
        parsed = datetime.fromisoformat(raw[:-1] + "+00:00" if raw.endswith(("Z", "z")) else raw)
    except ValueError:
        raise Malformed(f"{key} is not a time: {raw[:40]!r}") from None
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)


def amount(value: Any, field: str) -> Optional[Decimal]:
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise Malformed(f"{field} is not an amount: {str(value)[:20]!r}") from None
    if not number.is_finite() or number < 0:
        raise Malformed(f"{field} is not an amount: {str(value)[:20]!r}")
    return number


def currency(value: Any, field: str) -> str:
    if not isinstance(value, str) or len(value.strip()) != 3 or not value.strip().isalpha():
        raise Malformed(f"{field} is not a currency code")
    return value.strip().upper()


def money(value: Any, field: str) -> Optional[Money]:
    """AfterShip's Money object `{"amount": "99.99", "currency": "USD"}`, or None."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise Malformed(f"{field} is not an object")
    number = amount(value.get("amount"), f"{field}.amount")
    return None if number is None else Money(number, currency(value.get("currency"), f"{field}.currency"))


def quantity(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise Malformed(f"{field} is not a whole number")
    try:
        number = float(value)
    except ValueError:
        raise Malformed(f"{field} is not a whole number") from None
    if number != int(number) or number < 0:
        raise Malformed(f"{field} is not a whole number")
    return int(number)


def grouped(items: Iterable[Tuple[str, str, int]]) -> Tuple[ReturnedItem, ...]:
    """One `ReturnedItem` per (sku, title), quantities added, in first-seen order."""
    counts: Counter = Counter()
    for sku, title, count in items:
        counts[(sku, title)] += count
    return tuple(ReturnedItem(sku, title, count) for (sku, title), count in counts.items() if count > 0)


def latest(*times: Optional[datetime]) -> Optional[datetime]:
    present = [t for t in times if t is not None]
    return max(present) if present else None
