"""Services: the use cases the conversation, the returns portal and the agents' handoffs call.

Each method takes a conversation id and plain values, checks verification, applies the policy and
records the result through the repositories (bot/repositories.py: `Store`). The clock and the RMA
number source are passed in. A case for a person is opened with its facts as fields
(`bot.handoffs.HandoffFacts`) in the handoff repository.
"""
from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Callable, List, Mapping, Optional, Sequence, Tuple

from bot import replies, text
from bot.catalogue import spoken_language
from bot.handoffs.types import HandoffFacts, HandoffRepository
from bot.live_orders import Lookup
from bot.models import (
    CustomerHistory,
    Decision,
    Handoff,
    Ineligibility,
    MarketplaceRefund,
    Order,
    OrderLine,
    OrderStatus,
    Outcome,
    Resolution,
    ReturnReason,
    ReturnRequest,
    Rma,
    RmaStatus,
)
from bot.policy import CancelDecision, Policy, can_cancel_single_items, decide_cancel, decide_return
from bot.repositories import RmaIdClash, Store

MAX_FAILED_VERIFICATIONS = 5  # defaults of Lockout (RETURNBOT_VERIFY_MAX_FAILURES, _LOCKOUT_MINUTES)
LOCKOUT_WINDOW = timedelta(minutes=15)


@dataclass(frozen=True)
class Lockout:
    """Verification is refused while a conversation, or an order, has `max_failures` failed
    attempts within the last `window`: a guesser waits out the window after their last try."""

    max_failures: int = MAX_FAILED_VERIFICATIONS
    window: timedelta = LOCKOUT_WINDOW


class NotVerified(Exception):
    """The conversation has not proven it owns this order."""


class BadQuantity(ValueError):
    """A return asked for a quantity outside 1..what is left to return of the line."""

    def __init__(self, line: OrderLine, quantity: object) -> None:
        super().__init__(f"{line.title}: choose a quantity from 1 to {line.returnable_quantity} (not {quantity!r}).")
        self.line, self.quantity = line, quantity


@dataclass(frozen=True)
class Verification:
    verified: bool
    locked: bool = False
    order: Optional[Order] = None
    # Verified on a copy read then, because its marketplace could not answer now, and what it may hold
    # since could change the answer (`bot.live_orders.Lookup.stale_since`): the customer is told.
    stale_since: Optional[datetime] = None
    # Not verified because the order is not known here and a marketplace that may hold it could not be
    # asked (`Lookup.unavailable`): "try again shortly", not "wrong order or proof". It says nothing of
    # the proof, so it helps no guesser; the attempt still counts towards the lockout.
    unavailable: bool = False


@dataclass(frozen=True)
class ReturnResult:
    decision: Decision
    order: Order
    line: Optional[OrderLine]
    rma: Optional[Rma] = None
    created: bool = False  # False when an earlier request already made this RMA
    slip_url: Optional[str] = None
    handoff: Optional[Handoff] = None
    needs_resolution: bool = False  # the customer must pick one of decision.allowed_resolutions


@dataclass(frozen=True)
class LineOption:
    """What the policy allows for one order line before the customer gives a reason, so a form can show
    every line's answer at once. `decision` holds for any reason but "arrived damaged"; `if_damaged`
    is set only when that reason changes the answer (a gift card goes to a person, a cheap item gets
    a replacement instead of a returnless refund). A line that already has a return shows it."""

    line: OrderLine
    decision: Decision
    if_damaged: Optional[Decision] = None
    existing_rma: Optional[Rma] = None

    @property
    def outcome(self) -> Outcome:
        return self.decision.outcome

    @property
    def return_by(self) -> Optional[datetime]:
        return self.decision.return_by

    @property
    def allowed_resolutions(self) -> Tuple[Resolution, ...]:
        return self.decision.allowed_resolutions

    @property
    def why_not(self) -> Optional[Ineligibility]:
        return self.decision.ineligible

    @property
    def reason_matters(self) -> bool:
        return self.if_damaged is not None

    @property
    def quantity(self) -> int:
        """What a return of this line covers by default: its existing return's quantity, or all of what is
        left of it (a request may choose fewer; the database keeps one return per line)."""
        return self.existing_rma.quantity if self.existing_rma else self.line.returnable_quantity


@dataclass(frozen=True)
class Shop:
    name: str
    public_url: str
    return_address: Tuple[str, ...]
    secret: str


class ReturnsService:
    def __init__(self, store: Store, policy: Policy, shop: Shop, clock: Callable[[], datetime],
                 new_rma_id: Callable[[], str], lockout: Lockout = Lockout(),
                 handoffs: Optional[HandoffRepository] = None):
        self.store = store
        self.handoffs = handoffs if handoffs is not None else store.handoffs
        self.lockout = lockout
        self.policy = policy
        self.shop = shop
        self.clock = clock
        self.new_rma_id = new_rma_id
        self.lookup_order: Callable[[str], Optional[Order]] = store.get_order  # live: integrations/sources.py
        # The same lookup with how fresh its answer is (`LiveOrders.lookup` when a marketplace is connected).
        self.lookup: Callable[[str], Lookup] = lambda order_id: Lookup(self.lookup_order(order_id))
        # Refunds the merchant made in the order's marketplace (`LiveOrders.refunds_of`): none without one.
        self.marketplace_refunds: Callable[[str], Sequence[MarketplaceRefund]] = lambda order_id: ()

    # -- verification ---------------------------------------------------------------------
    def verify(self, conversation_id: str, order_id: str, proof: str, count_failure: bool = True) -> Verification:
        """Check the order's email or postcode. Unknown order and wrong proof look the same.
        `count_failure=False`: a proof this conversation already verified with, tried on another of
        its orders ("and where is #1002?"); no guess, so a mismatch is not a failure."""
        now = self.clock()
        if not count_failure:
            if self.is_locked(conversation_id, order_id):
                return Verification(verified=False, locked=True)
            found = self.lookup(order_id)
            if found.order is not None and _proof_matches(found.order, proof):
                self.store.record_verification(conversation_id, order_id, now)
                return Verification(verified=True, order=found.order, stale_since=found.stale_since)
            return Verification(verified=False, unavailable=found.order is None and found.unavailable)
        # The attempt is counted before the proof is checked, in one atomic step with the limit's check,
        # so parallel guesses cannot all slip under it; a right proof takes its count back.
        attempt = self.store.claim_verification_attempt(conversation_id, order_id, now, now - self.lockout.window,
                                                        self.lockout.max_failures)
        if attempt is None:
            return Verification(verified=False, locked=True)
        found = self.lookup(order_id)
        if found.order is not None and _proof_matches(found.order, proof):
            self.store.release_verification_attempt(attempt, conversation_id, order_id, now)
            return Verification(verified=True, order=found.order, stale_since=found.stale_since)
        return Verification(verified=False, locked=self.is_locked(conversation_id, order_id),
                            unavailable=found.order is None and found.unavailable)

    def reread(self, conversation_id: str, order_id: str) -> Optional[datetime]:
        """Before telling a verified customer where their order stands again: the order read anew from
        its marketplace when the copy is older than the cache allows (it changed, say, from shipped to
        delivered); when the marketplace cannot answer, the time of the copy that answers instead, if
        what changed since could matter (else None). Changes nothing for an order not verified here."""
        if not self.is_verified(conversation_id, order_id):
            return None
        return self.lookup(order_id).stale_since

    def is_locked(self, conversation_id: str, order_id: str) -> bool:
        since = self.clock() - self.lockout.window
        return self.store.failed_verifications(conversation_id, order_id, since) >= self.lockout.max_failures

    def is_verified(self, conversation_id: str, order_id: Optional[str]) -> bool:
        return bool(order_id) and self.store.is_verified(conversation_id, order_id)

    def order_for_tracking(self, tracking_number: str) -> Optional[str]:
        """The order number shipped under a tracking number (nothing of the order is shown before the
        customer verifies it, as with an order number they typed)."""
        return self.store.order_id_for_tracking(tracking_number)

    def keep_return_words(self, conversation_id: str, rma: Rma, words: str) -> None:
        """The customer's reason in their own words, kept with the return for the merchant."""
        words = (words or "").strip()[:500]
        if words:
            self.store.record_return_words(rma.rma_id, conversation_id, words, self.clock())

    def verified_order(self, conversation_id: str, order_id: Optional[str]) -> Order:
        """The order, if this conversation has verified it; NotVerified for an unknown order and an
        unverified one alike. One read: the order, its lines and the verification together."""
        order = self.store.verified_order(conversation_id, order_id) if order_id else None
        if order is None:
            raise NotVerified(order_id)
        return order

    # -- returns --------------------------------------------------------------------------
    def returnable_lines(self, conversation_id: str, order_id: str) -> List[OrderLine]:
        return lines_left_to_return(self.verified_order(conversation_id, order_id))

    def preview_return(self, conversation_id: str, order_id: str, line_id: str, reason: ReturnReason,
                       quantity: Optional[int] = None, check_fraud: bool = True) -> Decision:
        """What the policy would decide for this line and reason, changing nothing."""
        order = self.verified_order(conversation_id, order_id)
        existing = self.store.rma_for_line(order_id, line_id)
        if existing is not None:
            return Decision(existing.outcome, refund=existing.refund)
        return self._decide(order, line_id, reason, None, quantity, check_fraud=check_fraud)

    def settled_reason(self, conversation_id: str, order_id: str, line_id: str) -> Optional[ReturnReason]:
        """The reason to record without asking, when asking would change nothing: the line already
        has a return, or the policy's answer is the same whatever the reason (Amazon's path, window
        closed, not delivered...). None when the customer's reason matters."""
        order = self.verified_order(conversation_id, order_id)
        existing = self.store.rma_for_line(order_id, line_id)
        if existing is not None:
            return existing.reason
        history = self._history(order)  # read once for both answers
        as_other = self._decide(order, line_id, ReturnReason.OTHER, None, history=history)
        as_damaged = self._decide(order, line_id, ReturnReason.DAMAGED, None, history=history)
        same = (as_other.outcome, as_other.ineligible) == (as_damaged.outcome, as_damaged.ineligible)
        if same and as_other.outcome in (Outcome.NOT_ELIGIBLE, Outcome.AMAZON_FBA):
            return ReturnReason.OTHER
        return None

    def line_options(self, conversation_id: str, order_id: str) -> List[LineOption]:
        """Every line of a verified order with what the policy allows for it today, changing nothing.
        The customer's history is read once for the whole order."""
        order = self.verified_order(conversation_id, order_id)
        now = self.clock()
        returns = {rma.line_id: rma for rma in self.store.rmas_for_order(order_id)}
        history = self._history(order, now)
        options = []
        for line in order.lines:
            existing = returns.get(line.line_id)
            if existing is not None:
                options.append(LineOption(line, Decision(existing.outcome, refund=existing.refund),
                                          existing_rma=existing))
                continue
            as_other = _decide_line(order, line, ReturnReason.OTHER, self.policy, history, now)
            as_damaged = _decide_line(order, line, ReturnReason.DAMAGED, self.policy, history, now)
            differs = (as_damaged.outcome, as_damaged.ineligible) != (as_other.outcome, as_other.ineligible)
            options.append(LineOption(line, as_other, if_damaged=as_damaged if differs else None))
        return options

    def _history(self, order: Order, now: Optional[datetime] = None) -> CustomerHistory:
        """The order's customer's history over the policy's look-back period."""
        now = self.clock() if now is None else now
        return self.store.customer_history(order.customer.email, now - timedelta(days=self.policy.fraud_lookback_days))

    def _decide(self, order: Order, line_id: str, reason: ReturnReason,
                resolution: Optional[Resolution], quantity: Optional[int] = None,
                history: Optional[CustomerHistory] = None, check_fraud: bool = True,
                extra_resolutions: Tuple[Resolution, ...] = ()) -> Decision:
        """The policy's answer for `quantity` units of the line (None: all that is left), so the refund
        and the returnless-refund threshold are both for that many. `history`: the customer's, when
        the caller has read it already. `check_fraud=False`: an agent overrules the fraud rule."""
        now = self.clock()
        if history is None:
            history = self._history(order, now)
        line = order.line(line_id)
        if quantity is None:
            quantity = line.returnable_quantity if line else 0
        policy = self.policy
        extra = tuple(r for r in extra_resolutions if r not in policy.resolutions)
        if extra:
            policy = replace(policy, resolutions=policy.resolutions + extra)
        return decide_return(order, ReturnRequest(order.order_id, line_id, quantity, reason, resolution),
                             policy, history, now, check_fraud=check_fraud)

    def request_return(self, conversation_id: str, order_id: str, line_id: str, reason: ReturnReason,
                       resolution: Optional[Resolution] = None, quantity: Optional[int] = None, *,
                       words: str = "", check_fraud: bool = True,
                       extra_resolutions: Tuple[Resolution, ...] = (), language: str = "en") -> ReturnResult:
        """Apply the policy to `quantity` units of one line (None: all that is left) and carry it out.
        Asking again returns the same RMA (one per line, whatever quantity it covers). Raises BadQuantity
        for a quantity outside 1..line.returnable_quantity. A case for a person keeps the request as
        its facts, with the customer's `words` and `language`. `check_fraud=False`: an agent approving a case has
        overruled the fraud rule (every other rule applies), and `extra_resolutions` are allowed besides
        the policy's (an agent may offer a replacement the policy does not offer customers)."""
        order = self.verified_order(conversation_id, order_id)
        line = order.line(line_id)
        if quantity is not None and line is not None and (
                isinstance(quantity, bool) or not isinstance(quantity, int)
                or not 1 <= quantity <= line.returnable_quantity):
            raise BadQuantity(line, quantity)
        existing = self.store.rma_for_line(order_id, line_id)
        if existing is not None:
            return ReturnResult(Decision(existing.outcome, refund=existing.refund), order, line, rma=existing,
                                slip_url=self.slip_url_for(existing))
        now = self.clock()
        if quantity is None:
            quantity = line.returnable_quantity if line else 0
        decision = self._decide(order, line_id, reason, resolution, quantity, check_fraud=check_fraud,
                                extra_resolutions=extra_resolutions)
        result = ReturnResult(decision, order, line)
        facts = HandoffFacts(order_id=order_id, line_id=line_id, quantity=quantity, reason=reason,
                             resolution=resolution, words=words, language=language)
        if decision.outcome is Outcome.FRAUD_REVIEW:
            handoff = self.open_handoff(conversation_id, "fraud_review", order_id,
                                        _summary(order, line, reason, quantity), decision.signals, facts=facts)
            return ReturnResult(decision, order, line, handoff=handoff)
        if decision.outcome in (Outcome.NOT_ELIGIBLE, Outcome.AMAZON_FBA):
            return result
        if decision.outcome is Outcome.RMA and resolution not in decision.allowed_resolutions:
            return ReturnResult(decision, order, line, needs_resolution=True)
        if decision.outcome is Outcome.DAMAGE_REPLACEMENT and resolution not in decision.allowed_resolutions:
            resolution = Resolution.REPLACEMENT
        if decision.outcome is Outcome.RETURNLESS_REFUND:
            resolution = Resolution.REFUND  # fewer units can fall under the threshold after an exchange was asked
        status = {
            Outcome.RMA: RmaStatus.LABEL_CREATED,
            Outcome.RETURNLESS_REFUND: RmaStatus.REFUNDED,
            Outcome.DAMAGE_REPLACEMENT: RmaStatus.PENDING_REVIEW,
        }[decision.outcome]
        rma, created = self._create_rma(Rma(
            rma_id="", order_id=order_id, line_id=line_id, quantity=quantity, reason=reason,
            resolution=resolution or Resolution.REFUND, outcome=decision.outcome, status=status,
            refund=decision.refund, conversation_id=conversation_id, created_at=now, updated_at=now,
            refunded_at=now if status is RmaStatus.REFUNDED else None,
        ))
        handoff = None
        if decision.outcome is Outcome.DAMAGE_REPLACEMENT:
            handoff = self.open_handoff(conversation_id, "damage_claim", order_id,
                                        _summary(order, line, reason, quantity) + f"; {rma.rma_id}", decision.signals,
                                        facts=facts)
        return ReturnResult(decision, order, line, rma=rma, created=created, slip_url=self.slip_url_for(rma),
                            handoff=handoff)

    def _create_rma(self, draft: Rma) -> Tuple[Rma, bool]:
        for _ in range(5):  # a clash of random numbers is astronomically rare, but not impossible
            try:
                return self.store.create_rma(replace(draft, rma_id=self.new_rma_id()))
            except RmaIdClash:
                continue
        raise RuntimeError("could not allocate a free RMA number")

    def rmas_for_order(self, conversation_id: str, order_id: str) -> List[Rma]:
        self.verified_order(conversation_id, order_id)
        return self.store.rmas_for_order(order_id)

    def returns_of(self, order: Order) -> List[Rma]:
        """The returns of an order the caller read through `verified_order` (not verified again)."""
        return self.store.rmas_for_order(order.order_id)

    def update_rma_status(self, rma_id: str, status: RmaStatus, note: str = "") -> Optional[Rma]:
        return self.store.update_rma_status(rma_id, status, self.clock(), note)

    def change_resolution(self, conversation_id: str, rma_id: str, resolution: Resolution) -> Optional[ReturnResult]:
        """"No wait, store credit instead": the resolution of a return this conversation was given, changed
        to another the policy offers while nothing has been sent back yet (an RMA with a label, not a
        refund without return nor a case for a person). The RMA as it now is, said as issued; None when
        it cannot change (another conversation's, already on its way, a resolution not offered)."""
        rma = self.store.get_rma(rma_id)
        if rma is None or rma.conversation_id != conversation_id or rma.outcome is not Outcome.RMA \
                or resolution not in self.policy.resolutions or resolution is rma.resolution:
            return None
        order = self.verified_order(conversation_id, rma.order_id)
        changed = self.store.change_resolution(rma_id, resolution, self.clock())
        if changed is None:
            return None
        return ReturnResult(Decision(changed.outcome, refund=changed.refund), order, order.line(changed.line_id),
                            rma=changed, created=True, slip_url=self.slip_url_for(changed))

    # -- return slips ---------------------------------------------------------------------
    def slip_token(self, rma_id: str) -> str:
        return hmac.new(self.shop.secret.encode(), f"slip:{rma_id}".encode(), hashlib.sha256).hexdigest()[:24]

    def slip_url_for(self, rma: Rma, language: Optional[str] = None) -> Optional[str]:
        """The slip's link, in `language` (default: the one being spoken, `bot.catalogue.speaking`)."""
        if rma.outcome is not Outcome.RMA:
            return None
        url = f"{self.shop.public_url}/returns/{rma.rma_id}/slip.pdf?t={self.slip_token(rma.rma_id)}"
        return replies.with_language(url, language or spoken_language())

    def slip_pdf(self, rma_id: str, token: str, language: str = "en") -> Optional[bytes]:
        """The slip of `rma_id` in `language`, when `token` is its own (None otherwise)."""
        from bot.slip import ReturnSlip, render_return_slip

        if not _same(self.slip_token(rma_id), token or ""):
            return None
        rma = self.store.get_rma(rma_id)
        order = self.store.get_order(rma.order_id) if rma else None
        line = order.line(rma.line_id) if order else None
        if rma is None or order is None or line is None or rma.outcome is not Outcome.RMA:
            return None
        return render_return_slip(ReturnSlip(
            rma_id=rma.rma_id, order_id=order.order_id, shop_name=self.shop.name,
            return_address=self.shop.return_address, customer_name=order.customer.name,
            item_title=line.title, sku=line.sku, quantity=rma.quantity, reason=rma.reason.value,
            resolution=rma.resolution.value,
            return_by=replies.ship_by_date(rma, self.policy.ship_back_days).date(),
            issued_at=rma.created_at, language=language,
        ))

    # -- orders ---------------------------------------------------------------------------
    def cancel_order(self, conversation_id: str, order_id: str) -> CancelDecision:
        order = self.verified_order(conversation_id, order_id)
        decision = decide_cancel(order)
        if decision is CancelDecision.CANCEL:
            self.store.set_order_status(order_id, OrderStatus.CANCELLED)
        return decision

    def cancel_items(self, conversation_id: str, order_id: str, cancelled: Mapping[str, int]) -> CancelDecision:
        """Cancels some items of an unshipped order, where policy.yml allows it for its sales channel:
        `cancelled` maps a line to its cancelled units once done (a retry cancels nothing more)."""
        order = self.verified_order(conversation_id, order_id)
        decision = decide_cancel(order)
        if decision is not CancelDecision.CANCEL:
            return decision
        if not can_cancel_single_items(order, self.policy):
            raise ValueError(f"order {order_id}: single items cannot be cancelled on {order.channel.value}")
        if self.store.cancel_lines(order_id, cancelled, self.clock()):
            return CancelDecision.CANCEL
        decision = decide_cancel(self.verified_order(conversation_id, order_id))  # it changed meanwhile
        if decision is CancelDecision.CANCEL:
            raise ValueError(f"order {order_id}: unknown line in {sorted(cancelled)}")
        return decision

    # -- conversation bookkeeping ---------------------------------------------------------
    def tag(self, conversation_id: str, tag: str) -> None:
        self.store.add_tag(conversation_id, tag, self.clock())

    def open_handoff(self, conversation_id: str, reason: str, order_id: Optional[str], summary: str,
                     signals: Tuple[str, ...] = (), facts: Optional[HandoffFacts] = None) -> Handoff:
        """Open a case for a person (or return the conversation's open one) with its facts; without
        `facts`, the case is about the order alone (no item: the agent talks to the customer first)."""
        facts = facts if facts is not None else HandoffFacts(order_id=order_id)
        return self.handoffs.open(conversation_id, reason, order_id, summary, tuple(signals), self.clock(), facts)


def lines_left_to_return(order: Order) -> List[OrderLine]:
    """The lines of an order with something left to return."""
    return [line for line in order.lines if line.returnable_quantity > 0]


def _decide_line(order: Order, line: OrderLine, reason: ReturnReason, policy: Policy,
                 history: CustomerHistory, now: datetime) -> Decision:
    request = ReturnRequest(order.order_id, line.line_id, line.returnable_quantity, reason, None)
    return decide_return(order, request, policy, history, now)


def _proof_matches(order: Order, proof: str) -> bool:
    proof = text.normalise(proof or "").strip()
    if not proof:
        return False
    if "@" in proof:
        return _same(proof.casefold(), order.customer.email.casefold())
    if not order.customer.postcode:
        return False
    given, stored = _squash(proof), _squash(order.customer.postcode)
    if len(given) == 9 and len(stored) == 5 and given.isdigit() and stored.isdigit():
        given = given[:5]  # a US ZIP+4 for an order stored with the 5-digit ZIP
    return _same(given, stored)


def _squash(postcode: str) -> str:
    """A postcode without blanks or hyphens, upper case: "sw1a 1aa" = "SW1A1AA", "100-0001" = "1000001"."""
    return "".join(postcode.replace("-", " ").split()).upper()


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _summary(order: Order, line: Optional[OrderLine], reason: ReturnReason, quantity: int) -> str:
    item = f"{line.title} x{quantity} at {line.unit_price} {order.currency}" if line else "?"
    return f"{order.channel.value} order {order.order_id}: {item}; reason {reason.value}"
