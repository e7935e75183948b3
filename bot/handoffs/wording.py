"""What a handoff says to the agent who acted (why nothing happened, what did), in the agents' language.
What the customer is told is in the catalogue (`utter_handoff_*` in domain.yml, in the customer's language:
bot/handoffs/service.py renders it). Pure: values in, sentences out."""
from __future__ import annotations

from bot import replies
from bot.handoffs.types import Action
from bot.models import Outcome, Rma

# -- what the agent is told -------------------------------------------------------------------------
NO_ORDER = "This case has no order to decide on: write to the customer in the thread."
NO_FACTS = ("This case was opened before returnbot kept a case's item, quantity and reason, so it can't be "
            "decided from here: take over, ask the customer, and resolve it by hand.")
NO_ITEM = "I can't tell which item this case is about: take over and ask the customer."
UNKNOWN_ITEM = "The item this case is about is no longer on the order: take over and ask the customer."
NOT_VERIFIED = "The customer hasn't proven this order is theirs in this conversation."
POLICY_SAYS_NO = ("The policy still says no: {why}. Reject with a reason, or write to the customer in the "
                  "thread.")
NO_REPLACEMENT_FIT = "A replacement doesn't fit here: {why}."
ISSUED_AS = "{rma_id} was already issued as a {resolution}."
ISSUED_ALREADY = "{rma_id} was issued already ({status}); change it with `returnbot returns update`."
NEED_REASON = "A reason is needed: it is sent to the customer."
ALREADY_YOURS = "You already have this conversation."
NEWER_CASE = "This conversation has a newer case, #{handoff_id}: take that one over instead."
CHANGED_MEANWHILE = "The case changed meanwhile; look at the card again."
YOU_HAVE_IT = "You have the conversation: your replies in this thread go to the customer."
ALREADY_CLOSED = "This case is closed already."
HANDED_BACK_NOTE = "Handed back: the assistant answers the customer again."
REJECTED_NOTE = "Rejected; the customer has the reason."


def approved_note(rma: Rma) -> str:
    return f"Approved: {rma.rma_id} ({rma.outcome.value.replace('_', ' ')}, {rma.refund})."


def replacement_note(rma: Rma) -> str:
    return f"Replacement offered: {rma.rma_id}."


def already_decided(prior: Action, who: str, when: str) -> str:
    return f"Already decided: {done(prior)} by {who} at {when}."


def already_done(action: Action, who: str, when: str, rma: Rma = None) -> str:
    return f"Already {done(action)} by {who} at {when}" + (f": {rma.rma_id}." if rma else ".")


def why_not(decision) -> str:
    """Why the policy does not issue a return, for the agent."""
    if decision.outcome is Outcome.AMAZON_FBA:
        return "Amazon handles returns of FBA orders"
    if decision.ineligible is not None:
        text = decision.ineligible.value.replace("_", " ")
        if decision.return_by is not None and decision.ineligible.value == "window_closed":
            text += f" on {replies.day(decision.return_by)}"
        return text
    return decision.outcome.value.replace("_", " ")


def done(action: Action) -> str:
    return {Action.APPROVE: "approved", Action.REJECT: "rejected",
            Action.OFFER_REPLACEMENT: "replacement offered"}.get(action, action.value.replace("_", " "))
