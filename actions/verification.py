"""The verification form: an order number plus the order's email or postcode, checked by the
returns service. A wrong pair and an unknown order get the same answer."""
from __future__ import annotations

from typing import Any, Dict, Text

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import deps, names
from bot import text

LOCKED = "-locked-"  # fills the form so the router can explain the lockout


class ValidateVerifyForm(FormValidationAction):
    def name(self) -> Text:
        return names.VALIDATE_VERIFY_FORM

    def validate_order_id(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                          domain: DomainDict) -> Dict[Text, Any]:
        order_id = text.parse_order_id(str(value or ""))
        if order_id is None:
            dispatcher.utter_message(response="utter_invalid_order_id")
        return {names.ORDER_ID: order_id}

    def validate_customer_proof(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                domain: DomainDict) -> Dict[Text, Any]:
        order_id, conversation = tracker.get_slot(names.ORDER_ID), tracker.sender_id
        if not order_id:
            return {names.CUSTOMER_PROOF: None}
        returns = deps.services().returns
        if returns.store.is_verified(conversation, order_id):
            return {names.CUSTOMER_PROOF: value, names.VERIFIED_ORDER_ID: order_id}
        raw = str(value or "")
        proof = text.parse_email(raw) or text.parse_postcode(raw)
        if proof is None:
            dispatcher.utter_message(response="utter_invalid_customer_proof")
            return {names.CUSTOMER_PROOF: None}
        result = returns.verify(conversation, order_id, proof)
        if result.verified:
            return {names.CUSTOMER_PROOF: proof, names.VERIFIED_ORDER_ID: order_id}
        if result.locked:
            return {names.CUSTOMER_PROOF: LOCKED}
        dispatcher.utter_message(response="utter_verification_failed")
        return {names.CUSTOMER_PROOF: None, names.ORDER_ID: None}
