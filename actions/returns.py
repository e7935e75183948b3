"""The return form (which item, why, and what the customer wants instead) and carrying the
return out with the returns service: RMA and slip, returnless refund, Amazon's path, damage or review."""
from __future__ import annotations

from contextvars import ContextVar
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import deps, names
from actions.base import ServiceAction
from bot import choices, replies
from bot.bootstrap import Services
from bot.models import Outcome, Resolution, ReturnReason
from bot.services import ReturnResult, lines_left_to_return

RESOLUTION_TITLES = {
    Resolution.REFUND: "Refund", Resolution.EXCHANGE: "Exchange", Resolution.STORE_CREDIT: "Store credit",
    Resolution.REPLACEMENT: "Replacement",
}


def _payload(entity: str, value: str) -> str:
    return '/inform{"%s":"%s"}' % (entity, value)


# The allowed resolutions of one validation run, by (conversation, order, line, reason): rasa_sdk
# asks the form's required slots three times in a run, and the resolution's validation asks again.
# Kept for that run only (each request runs in its own task, so its own context).
_RUN_ANSWERS: ContextVar[Optional[Dict[tuple, List[Resolution]]]] = ContextVar("return_form_run", default=None)


def _allowed_resolutions(tracker: Tracker) -> List[Resolution]:
    """What the customer may choose for the line and reason picked so far (empty: nothing to ask)."""
    line_id, reason = tracker.get_slot(names.LINE_ID), tracker.get_slot(names.RETURN_REASON)
    if not line_id or not reason:
        return []
    key = (tracker.sender_id, tracker.get_slot(names.ORDER_ID), line_id, reason)
    answers = _RUN_ANSWERS.get()
    if answers is not None and key in answers:
        return list(answers[key])
    decision = deps.services().returns.preview_return(key[0], key[1], line_id, ReturnReason(reason))
    allowed = list(decision.allowed_resolutions) if decision.outcome is Outcome.RMA else []
    if answers is not None:
        answers[key] = allowed
    return list(allowed)


class ValidateReturnForm(FormValidationAction):
    def name(self) -> Text:
        return names.VALIDATE_RETURN_FORM

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> List[Dict]:
        token = _RUN_ANSWERS.set({})
        try:
            return await super().run(dispatcher, tracker, domain)
        finally:
            _RUN_ANSWERS.reset(token)

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> List[Text]:
        slots = [names.LINE_ID, names.RETURN_REASON]
        if _allowed_resolutions(tracker):
            slots.append(names.RESOLUTION)
        return slots

    def validate_line_id(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                         domain: DomainDict) -> Dict[Text, Any]:
        returns, order_id = deps.services().returns, tracker.get_slot(names.ORDER_ID)
        line = choices.parse_line(str(value or ""), returns.returnable_lines(tracker.sender_id, order_id))
        if line is None:
            dispatcher.utter_message(response="utter_invalid_choice")
            return {names.LINE_ID: None}
        settled = returns.settled_reason(tracker.sender_id, order_id, line.line_id)
        if settled is not None:  # the reason would change nothing: don't ask for it
            return {names.LINE_ID: line.line_id, names.RETURN_REASON: settled.value}
        return {names.LINE_ID: line.line_id}

    def validate_return_reason(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> Dict[Text, Any]:
        reason = choices.parse_reason(str(value or ""))
        if reason is None:
            dispatcher.utter_message(response="utter_invalid_choice")
        return {names.RETURN_REASON: reason.value if reason else None}

    def validate_resolution(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> Dict[Text, Any]:
        allowed = _allowed_resolutions(tracker)
        if not allowed:  # nothing to choose for this outcome: keep what the customer asked for
            return {names.RESOLUTION: value}
        resolution = choices.parse_resolution(str(value or ""), allowed)
        if resolution is None:
            dispatcher.utter_message(response="utter_invalid_choice")
        return {names.RESOLUTION: resolution.value if resolution else None}


class ActionAskLineId(ServiceAction):
    def name(self) -> Text:
        return names.ASK_LINE_ID

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, services: Services) -> List[Dict[Text, Any]]:
        order = services.returns.verified_order(tracker.sender_id, tracker.get_slot(names.ORDER_ID))
        buttons = [{"title": f"{line.title} ({line.unit_price} {order.currency})",
                    "payload": _payload("line_id", line.line_id)}
                   for line in lines_left_to_return(order)]
        dispatcher.utter_message(text="Which item is it about?", buttons=buttons)
        return []


class ActionAskResolution(ServiceAction):
    def name(self) -> Text:
        return names.ASK_RESOLUTION

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, services: Services) -> List[Dict[Text, Any]]:
        buttons = [{"title": RESOLUTION_TITLES[r], "payload": _payload("resolution", r.value)}
                   for r in _allowed_resolutions(tracker)]
        dispatcher.utter_message(text="Would you like a refund, an exchange or store credit?", buttons=buttons)
        return []


class ActionSubmitReturn(ServiceAction):
    def name(self) -> Text:
        return names.SUBMIT_RETURN

    def act(self, dispatcher: CollectingDispatcher, tracker: Tracker, services: Services) -> List[Dict[Text, Any]]:
        resolution: Optional[str] = tracker.get_slot(names.RESOLUTION)
        result = services.returns.request_return(
            tracker.sender_id, tracker.get_slot(names.ORDER_ID), tracker.get_slot(names.LINE_ID),
            ReturnReason(tracker.get_slot(names.RETURN_REASON)),
            Resolution(resolution) if resolution in Resolution._value2member_map_ else None,
        )
        say_outcome(dispatcher, result, services.returns.policy.ship_back_days)
        return [SlotSet(names.LINE_ID, None), SlotSet(names.RETURN_REASON, None), SlotSet(names.RESOLUTION, None)]


def _slip_attachment(rma_id: str, slip_url: Optional[str]) -> Optional[Dict[Text, Any]]:
    """Machine-readable slip details, so channels that can send files (Telegram) attach the PDF."""
    return {"return_slip": {"rma_id": rma_id, "url": slip_url}} if slip_url else None


def say_outcome(dispatcher: CollectingDispatcher, result: ReturnResult, ship_back_days: int) -> None:
    """Tell the customer what the policy decided, with the RMA, slip or case number."""
    item, rma, decision = replies.item_name(result.line), result.rma, result.decision
    if rma is not None and not result.created:
        slip_text = f"Your return slip: {result.slip_url}" if result.slip_url else ""
        dispatcher.utter_message(response="utter_rma_exists", item=item, rma_id=rma.rma_id,
                                 status=rma.status.value.replace("_", " "), slip_text=slip_text,
                                 json_message=_slip_attachment(rma.rma_id, result.slip_url))
    elif decision.outcome is Outcome.RMA:
        ship_by = replies.day(replies.ship_by_date(rma, ship_back_days))
        dispatcher.utter_message(response="utter_rma_issued", rma_id=rma.rma_id, slip_url=result.slip_url,
                                 item=item, ship_by=ship_by,
                                 resolution_text=replies.resolution_text(rma.resolution, str(rma.refund)),
                                 json_message=_slip_attachment(rma.rma_id, result.slip_url))
    elif decision.outcome is Outcome.RETURNLESS_REFUND:
        dispatcher.utter_message(response="utter_returnless_refund", item=item, amount=str(rma.refund),
                                 rma_id=rma.rma_id)
    elif decision.outcome is Outcome.AMAZON_FBA:
        dispatcher.utter_message(response="utter_amazon_fba", order_id=result.order.order_id)
    elif decision.outcome is Outcome.DAMAGE_REPLACEMENT:
        remedy = "send you a replacement" if rma.resolution is Resolution.REPLACEMENT else f"refund {rma.refund}"
        dispatcher.utter_message(response="utter_damage_replacement", item=item, rma_id=rma.rma_id, remedy=remedy)
    elif decision.outcome is Outcome.FRAUD_REVIEW:
        dispatcher.utter_message(response="utter_fraud_review", case_id=f"#{result.handoff.handoff_id}")
    else:
        reason = decision.ineligible.value if decision.ineligible else "other"
        known = {"window_closed", "non_returnable_category", "nothing_left_to_return", "not_delivered", "cancelled"}
        dispatcher.utter_message(
            response=f"utter_not_eligible_{reason if reason in known else 'other'}", item=item,
            order_id=result.order.order_id, return_by=replies.day(decision.return_by),
            category=(result.line.category.replace("_", " ") if result.line else ""))
