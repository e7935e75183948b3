"""The names of the catalogue's sentences (the `responses:` of domain.yml), one constant each.

Code names a sentence only through these constants and the tables below, never by a string built at run
time, so tests/test_catalogue.py can check that every name exists in the catalogue and every sentence
of the catalogue is used. An outcome that picks one of several sentences picks it from a table here.
"""
from __future__ import annotations

from typing import Dict

from bot.models import Ineligibility, Resolution, ReturnReason, RmaStatus
from bot.policy import CancelDecision


# -- the conversation (bot/conversation) --
GREET = "utter_greet"
HELP = "utter_help"
WHAT_TO_DO = "utter_what_to_do"
GOODBYE = "utter_goodbye"
YOU_ARE_WELCOME = "utter_you_are_welcome"
OUT_OF_SCOPE = "utter_out_of_scope"
STOPPED = "utter_stopped"
UPDATES_STOPPED = "utter_updates_stopped"
UPDATES_STARTED = "utter_updates_started"
ACK_REQUEST = "utter_ack_request"
ASK_ORDER_ID = "utter_ask_order_id"
ASK_CUSTOMER_PROOF = "utter_ask_customer_proof"
INVALID_ORDER_ID = "utter_invalid_order_id"
INVALID_CUSTOMER_PROOF = "utter_invalid_customer_proof"
VERIFICATION_LOCKED = "utter_verification_locked"
ASK_RETURN_REASON = "utter_ask_return_reason"
INVALID_CHOICE = "utter_invalid_choice"
NOTHING_TO_RETURN = "utter_nothing_to_return"
RMA_ISSUED = "utter_rma_issued"
RMA_EXISTS = "utter_rma_exists"
RETURNLESS_REFUND = "utter_returnless_refund"
AMAZON_FBA = "utter_amazon_fba"
DAMAGE_REPLACEMENT = "utter_damage_replacement"
FRAUD_REVIEW = "utter_fraud_review"
TRACKING = "utter_tracking"
RETURN_STATUS = "utter_return_status"
NO_RETURNS_YET = "utter_no_returns_yet"
MARKETPLACE_REFUNDED = "utter_marketplace_refunded"  # no return here, but the marketplace refunded the order
MARKETPLACE_REFUND_ITEM = "utter_marketplace_refund_item"  # one refund of an item: amount, item, day
MARKETPLACE_REFUND_ORDER = "utter_marketplace_refund_order"  # one refund on no item (shipping, the order)
MARKETPLACE_REFUND_NO_AMOUNT = "utter_marketplace_refund_no_amount"  # one refund of an item, amount not given
MARKETPLACE_PARTLY_REFUNDED = "utter_marketplace_partly_refunded"  # a return in progress refunded in part
CANCEL_DONE = "utter_cancel_done"
CANCEL_ALREADY_CANCELLED = "utter_cancel_already_cancelled"
CANCEL_ALREADY_SHIPPED = "utter_cancel_already_shipped"
CANCEL_AMAZON_FBA = "utter_cancel_amazon_fba"
HANDOFF = "utter_handoff"
CLARIFY = "utter_clarify"
OFFER_HUMAN = "utter_offer_human"
ASK_LINE = "utter_ask_line"
ASK_QUANTITY = "utter_ask_quantity"
ASK_RESOLUTION = "utter_ask_resolution"
RESOLUTION_NOT_OFFERED = "utter_resolution_not_offered"
VERIFICATION_FAILED_KEEP = "utter_verification_failed_keep"
TRACKING_NUMBER_UNKNOWN = "utter_tracking_number_unknown"
ORDER_MAY_BE_STALE = "utter_order_may_be_stale"  # a marketplace down: the answer is from an older copy
ORDER_SOURCE_UNREACHABLE = "utter_order_source_unreachable"  # a marketplace down: an order not known here
FIND_ORDER_NUMBER = "utter_find_order_number"
STEP_FAILED = "utter_step_failed"
RESUME = "utter_resume"
HOW_CAN_I_HELP = "utter_how_can_i_help"
NO_PROBLEM = "utter_no_problem"
NO_PROBLEM_ANYTHING_ELSE = "utter_no_problem_anything_else"
GREET_BACK = "utter_greet_back"
AMAZON_FBA_DAMAGED = "utter_amazon_fba_damaged"
TRACKING_NOT_RECEIVED = "utter_tracking_not_received"
RETURN_ON_ITS_WAY = "utter_return_on_its_way"
CONFIRM_CANCEL = "utter_confirm_cancel"
CONFIRM_CANCEL_AGAIN = "utter_confirm_cancel_again"
CANCEL_WHOLE_ORDER_ONLY = "utter_cancel_whole_order_only"
CONFIRM_CANCEL_ITEMS = "utter_confirm_cancel_items"
CONFIRM_CANCEL_ITEMS_AGAIN = "utter_confirm_cancel_items_again"
ASK_CANCEL_ITEMS = "utter_ask_cancel_items"
CANCEL_ITEMS_DONE = "utter_cancel_items_done"
CANCEL_ITEMS_ALREADY = "utter_cancel_items_already"
CANCEL_REFUND_NOTE = "utter_cancel_refund_note"
CANCELLED_REFUND = "utter_cancelled_refund"
RETURN_WINDOW_FOR_ORDER = "utter_return_window_for_order"
I_AM_A_BOT = "utter_i_am_a_bot"
LANGUAGE_CHANGED = "utter_language_changed"  # "English please": carrying on in that language
HANDOFF_AND_GO_ON = "utter_handoff_and_go_on"
CANCEL_KEPT = "utter_cancel_kept"
SLIP_LINK = "utter_slip_link"
REMEDY_REPLACEMENT = "utter_remedy_replacement"
REMEDY_REFUND = "utter_remedy_refund"

# -- a person decided (bot/handoffs/service.py); the agent's own words stay in bot/handoffs/wording.py --
HANDOFF_APPROVED_RMA = "utter_handoff_approved_rma"
HANDOFF_APPROVED_RETURNLESS = "utter_handoff_approved_returnless"
HANDOFF_APPROVED_DAMAGE = "utter_handoff_approved_damage"
HANDOFF_REPLACEMENT_RMA = "utter_handoff_replacement_rma"
HANDOFF_REPLACEMENT_CONFIRMED = "utter_handoff_replacement_confirmed"
HANDOFF_REJECTED = "utter_handoff_rejected"
HANDOFF_REJECTED_REQUEST = "utter_handoff_rejected_request"
HANDOFF_TAKEN_OVER = "utter_handoff_taken_over"
HANDOFF_HANDED_BACK = "utter_handoff_handed_back"
HANDOFF_CLOSED_UNDECIDED = "utter_handoff_closed_undecided"
HANDOFF_STILL_WAITING = "utter_handoff_still_waiting"

# -- words inside sentences --
PHRASE_UNITS = "utter_phrase_units"
PHRASE_THE_ITEM = "utter_phrase_the_item"
PHRASE_YOUR_ITEMS = "utter_phrase_your_items"
PHRASE_UNKNOWN_DATE = "utter_phrase_unknown_date"

PHRASE_DAYS_AFTER_DELIVERY = "utter_phrase_days_after_delivery"
PHRASE_DAYS_FOR_CHANNEL = "utter_phrase_days_for_channel"
PHRASE_WINDOWS_FROM_DELIVERY = "utter_phrase_windows_from_delivery"
PHRASE_CHANNEL_AMAZON = "utter_phrase_channel_amazon"
PHRASE_CHANNEL_EBAY = "utter_phrase_channel_ebay"
PHRASE_CHANNEL_SHOPIFY = "utter_phrase_channel_shopify"
PHRASE_CHANNEL_WEB = "utter_phrase_channel_web"
PHRASE_IF_DAMAGED = "utter_phrase_if_damaged"
PHRASE_IF_WRONG_ITEM = "utter_phrase_if_wrong_item"
PHRASE_IF_NOT_AS_DESCRIBED = "utter_phrase_if_not_as_described"
PHRASE_IF_TOO_SMALL = "utter_phrase_if_too_small"
PHRASE_IF_TOO_LARGE = "utter_phrase_if_too_large"
PHRASE_IF_CHANGED_MIND = "utter_phrase_if_changed_mind"
PHRASE_IF_FAULTY = "utter_phrase_if_faulty"
PHRASE_SHIPPING_FREE = "utter_phrase_shipping_free"
PHRASE_SHIPPING_PAID_BY_YOU = "utter_phrase_shipping_paid_by_you"
PHRASE_STATUS_AUTHORISED = "utter_phrase_status_authorised"
PHRASE_STATUS_LABEL_CREATED = "utter_phrase_status_label_created"
PHRASE_STATUS_IN_TRANSIT = "utter_phrase_status_in_transit"
PHRASE_STATUS_RECEIVED = "utter_phrase_status_received"
PHRASE_STATUS_INSPECTED = "utter_phrase_status_inspected"
PHRASE_STATUS_REFUNDED = "utter_phrase_status_refunded"
PHRASE_STATUS_REJECTED = "utter_phrase_status_rejected"
PHRASE_STATUS_PENDING_REVIEW = "utter_phrase_status_pending_review"
PHRASE_RESOLUTION_REFUND = "utter_phrase_resolution_refund"
PHRASE_RESOLUTION_EXCHANGE = "utter_phrase_resolution_exchange"
PHRASE_RESOLUTION_STORE_CREDIT = "utter_phrase_resolution_store_credit"
PHRASE_RESOLUTION_REPLACEMENT = "utter_phrase_resolution_replacement"
PHRASE_NONE = "utter_phrase_none"
PHRASE_LIST_AND = "utter_phrase_list_and"
PHRASE_LIST_OR = "utter_phrase_list_or"

# -- a channel's own words --
CHOOSE = "utter_choose"
# the gateway's own sentences (channels/), in the conversation's language
GATEWAY_SORRY = "utter_gateway_sorry"  # Rasa could not answer
GATEWAY_NOT_ANSWERED = "utter_gateway_not_answered"  # the web chat: a message taken but never answered
GATEWAY_PHOTO_RECEIVED = "utter_gateway_photo_received"
GATEWAY_PHOTO_FAILED = "utter_gateway_photo_failed"
GATEWAY_PHOTO_REFUSED = "utter_gateway_photo_refused"
GATEWAY_SESSIONS_BUSY_CLIENT = "utter_gateway_sessions_busy_client"  # channels/limits.py
GATEWAY_SESSIONS_BUSY_TOTAL = "utter_gateway_sessions_busy_total"
GATEWAY_CASES_BUSY = "utter_gateway_cases_busy"
GATEWAY_CONTACT = "utter_gateway_contact"  # a sentence after a limit's, when the shop gave a contact
PHRASE_WAIT_A_MINUTE = "utter_phrase_wait_a_minute"  # {wait} of the limits' sentences
PHRASE_WAIT_MINUTES = "utter_phrase_wait_minutes"
TELEGRAM_PRIVATE_ONLY = "utter_telegram_private_only"  # channels/telegram
TELEGRAM_EDITED = "utter_telegram_edited"
TELEGRAM_UNSUPPORTED = "utter_telegram_unsupported"
TELEGRAM_STALE = "utter_telegram_stale"
TELEGRAM_SLIP_CAPTION = "utter_telegram_slip_caption"
TELEGRAM_COMMAND_START = "utter_telegram_command_start"
TELEGRAM_COMMAND_HELP = "utter_telegram_command_help"
TELEGRAM_COMMAND_HUMAN = "utter_telegram_command_human"
TELEGRAM_COMMAND_CANCEL = "utter_telegram_command_cancel"

# -- no return, and why --
NOT_ELIGIBLE_WINDOW_CLOSED = "utter_not_eligible_window_closed"
NOT_ELIGIBLE_NON_RETURNABLE_CATEGORY = "utter_not_eligible_non_returnable_category"
NOT_ELIGIBLE_NOTHING_LEFT_TO_RETURN = "utter_not_eligible_nothing_left_to_return"
NOT_ELIGIBLE_NOT_DELIVERED = "utter_not_eligible_not_delivered"
NOT_ELIGIBLE_CANCELLED = "utter_not_eligible_cancelled"
NOT_ELIGIBLE_OTHER = "utter_not_eligible_other"

# -- what follows once a return is back, by resolution --
NEXT_REQUEST = "utter_next_request"
NOTICE_LABEL_READY = "utter_notice_label_ready"
NOTICE_LABEL_READY_BRIEF = "utter_notice_label_ready_brief"
NOTICE_IN_TRANSIT = "utter_notice_in_transit"
NOTICE_RECEIVED = "utter_notice_received"
NOTICE_INSPECTED = "utter_notice_inspected"
NOTICE_REFUNDED = "utter_notice_refunded"
NOTICE_REJECTED = "utter_notice_rejected"
NOTICE_REJECTED_WHY = "utter_notice_rejected_why"
NEXT_REFUND = "utter_next_refund"
NEXT_EXCHANGE = "utter_next_exchange"
NEXT_STORE_CREDIT = "utter_next_store_credit"
NEXT_REPLACEMENT = "utter_next_replacement"

# -- a request kept for later --
QUEUED_TRACK = "utter_queued_track"
QUEUED_RETURN_STATUS = "utter_queued_return_status"
QUEUED_REFUND_STATUS = "utter_queued_refund_status"
QUEUED_CANCEL = "utter_queued_cancel"
QUEUED_RETURN = "utter_queued_return"
QUEUED_REFUND = "utter_queued_refund"
QUEUED_EXCHANGE = "utter_queued_exchange"
QUEUED_DAMAGE = "utter_queued_damage"

# -- the return policy (bot/conversation/policy_answers.py) --
POLICY_WINDOW = "utter_policy_window"
POLICY_SHIP_BACK = "utter_policy_ship_back"
POLICY_SHIPPING_CUSTOMER = "utter_policy_shipping_customer"
POLICY_SHIPPING_MERCHANT = "utter_policy_shipping_merchant"
POLICY_SHIPPING_REFUNDED = "utter_policy_shipping_refunded"
POLICY_SHIPPING_NOT_REFUNDED = "utter_policy_shipping_not_refunded"
POLICY_REFUND_TIMING = "utter_policy_refund_timing"
POLICY_NON_RETURNABLE = "utter_policy_non_returnable"
POLICY_EXCHANGE = "utter_policy_exchange"
POLICY_RETURNLESS = "utter_policy_returnless"
POLICY_SUMMARY = "utter_policy_summary"

# -- where a return stands: the ladder (bot/replies.py) --
PROGRESS_LABEL_READY = "utter_progress_label_ready"
PROGRESS_LABEL_READY_BRIEF = "utter_progress_label_ready_brief"
PROGRESS_REFUNDED = "utter_progress_refunded"
PROGRESS_REFUNDED_BRIEF = "utter_progress_refunded_brief"
PROGRESS_REJECTED = "utter_progress_rejected"
PROGRESS_PENDING_REVIEW = "utter_progress_pending_review"
PROGRESS_PENDING_REVIEW_BRIEF = "utter_progress_pending_review_brief"
PROGRESS_RECEIVED = "utter_progress_received"
PROGRESS_RECEIVED_BRIEF = "utter_progress_received_brief"
PROGRESS_IN_TRANSIT = "utter_progress_in_transit"
PROGRESS_IN_TRANSIT_BRIEF = "utter_progress_in_transit_brief"
PROGRESS_AWAITING = "utter_progress_awaiting"
PROGRESS_AWAITING_BRIEF = "utter_progress_awaiting_brief"

# -- the returns portal (channels/web/portal.py) --
PORTAL_WHY_NOT_WINDOW_CLOSED = "utter_portal_why_not_window_closed"
PORTAL_WHY_NOT_NON_RETURNABLE_CATEGORY = "utter_portal_why_not_non_returnable_category"
PORTAL_WHY_NOT_NOTHING_LEFT_TO_RETURN = "utter_portal_why_not_nothing_left_to_return"
PORTAL_WHY_NOT_NOT_DELIVERED = "utter_portal_why_not_not_delivered"
PORTAL_WHY_NOT_CANCELLED = "utter_portal_why_not_cancelled"
PORTAL_WHY_NOT_OTHER = "utter_portal_why_not_other"
PORTAL_STATUS_APPROVED = "utter_portal_status_approved"
PORTAL_STATUS_LABEL_READY = "utter_portal_status_label_ready"
PORTAL_STATUS_IN_TRANSIT = "utter_portal_status_in_transit"
PORTAL_STATUS_RECEIVED = "utter_portal_status_received"
PORTAL_STATUS_REFUNDED = "utter_portal_status_refunded"
PORTAL_STATUS_REFUNDED_BRIEF = "utter_portal_status_refunded_brief"
PORTAL_STATUS_REJECTED = "utter_portal_status_rejected"
PORTAL_STATUS_PENDING_REVIEW = "utter_portal_status_pending_review"
PORTAL_AMAZON_STEPS = "utter_portal_amazon_steps"
PORTAL_ITEM_RETURN = "utter_portal_item_return"
PORTAL_ITEM_PARTIAL = "utter_portal_item_partial"
PORTAL_ITEM_RETURNABLE = "utter_portal_item_returnable"
PORTAL_ITEM_RETURNABLE_CHOICE = "utter_portal_item_returnable_choice"
PORTAL_ITEM_RETURNLESS = "utter_portal_item_returnless"
PORTAL_ITEM_REVIEW = "utter_portal_item_review"
PORTAL_ITEM_AMAZON = "utter_portal_item_amazon"
PORTAL_ITEM_REPORT_DAMAGE = "utter_portal_item_report_damage"
PORTAL_ITEM_CHAT_IF_WRONG = "utter_portal_item_chat_if_wrong"
PORTAL_NOTE_RMA = "utter_portal_note_rma"
PORTAL_NOTE_RETURNLESS = "utter_portal_note_returnless"
PORTAL_NOTE_RETURNLESS_SOME = "utter_portal_note_returnless_some"
PORTAL_NOTE_DAMAGE = "utter_portal_note_damage"
PORTAL_NOTE_REVIEW = "utter_portal_note_review"
PORTAL_RESULT_CHOOSE_AGAIN = "utter_portal_result_choose_again"
PORTAL_RESULT_APPROVED = "utter_portal_result_approved"
PORTAL_RESULT_EXISTS = "utter_portal_result_exists"
PORTAL_RESULT_SEND_BY = "utter_portal_result_send_by"
PORTAL_RESULT_RETURNLESS = "utter_portal_result_returnless"
PORTAL_RESULT_DAMAGED = "utter_portal_result_damaged"
PORTAL_RESULT_DAMAGE_REVIEW = "utter_portal_result_damage_review"
PORTAL_RESULT_DAMAGE_REVIEW_CASE = "utter_portal_result_damage_review_case"
PORTAL_RESULT_REVIEW = "utter_portal_result_review"
PORTAL_RESULT_REVIEW_CASE = "utter_portal_result_review_case"
PORTAL_RESULT_AMAZON = "utter_portal_result_amazon"
PORTAL_RESULT_QUESTIONS = "utter_portal_result_questions"
PORTAL_ERROR_ENTER_ORDER = "utter_portal_error_enter_order"
PORTAL_ERROR_ENTER_PROOF = "utter_portal_error_enter_proof"
PORTAL_ERROR_NOT_FOUND = "utter_portal_error_not_found"
PORTAL_ERROR_LOCKED = "utter_portal_error_locked"
PORTAL_ERROR_NOT_VERIFIED = "utter_portal_error_not_verified"
PORTAL_ERROR_CHOOSE_ITEMS = "utter_portal_error_choose_items"
PORTAL_ERROR_TOO_MANY_ITEMS = "utter_portal_error_too_many_items"
PORTAL_ERROR_NOT_AN_ITEM = "utter_portal_error_not_an_item"
PORTAL_ERROR_NOT_ON_ORDER = "utter_portal_error_not_on_order"
PORTAL_ERROR_CHOSEN_TWICE = "utter_portal_error_chosen_twice"
PORTAL_ERROR_CHOOSE_QUANTITY = "utter_portal_error_choose_quantity"
PORTAL_ERROR_CHOOSE_REASON = "utter_portal_error_choose_reason"
PORTAL_ERROR_REASON_OFFERED = "utter_portal_error_reason_offered"
PORTAL_ERROR_CHOOSE_RESOLUTION = "utter_portal_error_choose_resolution"
PORTAL_ERROR_RESOLUTION_OFFERED = "utter_portal_error_resolution_offered"
PORTAL_ERROR_NOT_TEXT = "utter_portal_error_not_text"
PORTAL_ERROR_TOO_LONG = "utter_portal_error_too_long"
PORTAL_ERROR_ANSWER_MARKED = "utter_portal_error_answer_marked"
PORTAL_ERROR_OFFLINE = "utter_portal_error_offline"

# -- names of the choices, as buttons and the portal show them --
BUTTON_LINE = "utter_button_line"
BUTTON_LINE_UNITS = "utter_button_line_units"
BUTTON_ALL_LINES = "utter_button_all_lines"
BUTTON_WHOLE_ORDER = "utter_button_whole_order"
RESOLUTION_REFUND = "utter_resolution_refund"
RESOLUTION_EXCHANGE = "utter_resolution_exchange"
RESOLUTION_STORE_CREDIT = "utter_resolution_store_credit"
RESOLUTION_REPLACEMENT = "utter_resolution_replacement"

# -- where an order is (bot/replies.py) --
ORDER_PROCESSING = "utter_order_processing"
ORDER_CANCELLED = "utter_order_cancelled"
ORDER_DELIVERED = "utter_order_delivered"
ORDER_SHIPPED = "utter_order_shipped"
ORDER_SHIPPED_DUE = "utter_order_shipped_due"  # the marketplace says by when it should arrive
ORDER_CARRIER = "utter_order_carrier"
ORDER_TRACKING_LINK = "utter_order_tracking_link"
ORDER_TRACKING_NUMBER = "utter_order_tracking_number"

# -- tables: an outcome to its sentence ---------------------------------------------------------------
NOT_ELIGIBLE: Dict[Ineligibility, str] = {
    Ineligibility.WINDOW_CLOSED: NOT_ELIGIBLE_WINDOW_CLOSED,
    Ineligibility.NON_RETURNABLE_CATEGORY: NOT_ELIGIBLE_NON_RETURNABLE_CATEGORY,
    Ineligibility.NOTHING_LEFT_TO_RETURN: NOT_ELIGIBLE_NOTHING_LEFT_TO_RETURN,
    Ineligibility.NOT_DELIVERED: NOT_ELIGIBLE_NOT_DELIVERED,
    Ineligibility.CANCELLED: NOT_ELIGIBLE_CANCELLED,
}  # any other reason (or none): NOT_ELIGIBLE_OTHER

PORTAL_WHY_NOT: Dict[Ineligibility, str] = {
    Ineligibility.WINDOW_CLOSED: PORTAL_WHY_NOT_WINDOW_CLOSED,
    Ineligibility.NON_RETURNABLE_CATEGORY: PORTAL_WHY_NOT_NON_RETURNABLE_CATEGORY,
    Ineligibility.NOTHING_LEFT_TO_RETURN: PORTAL_WHY_NOT_NOTHING_LEFT_TO_RETURN,
    Ineligibility.NOT_DELIVERED: PORTAL_WHY_NOT_NOT_DELIVERED,
    Ineligibility.CANCELLED: PORTAL_WHY_NOT_CANCELLED,
}  # any other reason (or none): PORTAL_WHY_NOT_OTHER

CANCEL_REFUSED: Dict[CancelDecision, str] = {
    CancelDecision.AMAZON_FBA: CANCEL_AMAZON_FBA,
    CancelDecision.ALREADY_CANCELLED: CANCEL_ALREADY_CANCELLED,
    CancelDecision.ALREADY_SHIPPED: CANCEL_ALREADY_SHIPPED,
}

QUEUED: Dict[str, str] = {  # by goal (bot.conversation.state.GOALS)
    "track": QUEUED_TRACK, "return_status": QUEUED_RETURN_STATUS, "refund_status": QUEUED_REFUND_STATUS,
    "cancel": QUEUED_CANCEL, "return": QUEUED_RETURN, "refund": QUEUED_REFUND, "exchange": QUEUED_EXCHANGE,
    "damage": QUEUED_DAMAGE,
}

# The pages' own words (channels/web/page_words.py) and the return slip's (bot/slip.py): issue 15.
PAGE_PORTAL_TITLE = "utter_page_portal_title"
PAGE_PORTAL_SUBTITLE = "utter_page_portal_subtitle"
PAGE_FIND_TITLE = "utter_page_find_title"
PAGE_FIND_LEAD = "utter_page_find_lead"
PAGE_ORDER_NUMBER = "utter_page_order_number"
PAGE_ORDER_NUMBER_HINT = "utter_page_order_number_hint"
PAGE_PROOF = "utter_page_proof"
PAGE_PROOF_HINT = "utter_page_proof_hint"
PAGE_FIND_SUBMIT = "utter_page_find_submit"
PAGE_ORDER_TITLE = "utter_page_order_title"
PAGE_ORDER_LEAD = "utter_page_order_lead"
PAGE_ORDER_LEAD_OPEN = "utter_page_order_lead_open"
PAGE_ORDER_LEAD_NONE = "utter_page_order_lead_none"
PAGE_REQUEST_RETURN = "utter_page_request_return"
PAGE_OTHER_ORDER = "utter_page_other_order"
PAGE_YOUR_RETURN = "utter_page_your_return"
PAGE_YOUR_RETURNS = "utter_page_your_returns"
PAGE_BACK_TO_ORDER = "utter_page_back_to_order"
PAGE_NEEDS_JAVASCRIPT = "utter_page_needs_javascript"
PAGE_CHAT_INSTEAD = "utter_page_chat_instead"
PAGE_QUESTIONS = "utter_page_questions"
PAGE_CHAT_WITH_US = "utter_page_chat_with_us"
PAGE_NEW_TAB = "utter_page_new_tab"
PAGE_ORDER_HEADING = "utter_page_order_heading"
PAGE_ONE_ITEM = "utter_page_one_item"
PAGE_ITEMS = "utter_page_items"
PAGE_ORDER_ANNOUNCEMENT = "utter_page_order_announcement"
PAGE_PRINT_SLIP = "utter_page_print_slip"
PAGE_AMAZON_START = "utter_page_amazon_start"
PAGE_REPORT_DAMAGED = "utter_page_report_damaged"
PAGE_RETURN_THIS = "utter_page_return_this"
PAGE_HOW_MANY = "utter_page_how_many"
PAGE_UP_TO = "utter_page_up_to"
PAGE_QUANTITY = "utter_page_quantity"
PAGE_WHY_RETURNING = "utter_page_why_returning"
PAGE_INSTEAD = "utter_page_instead"
PAGE_APPROVED_ANNOUNCEMENT = "utter_page_approved_announcement"
PAGE_REQUEST_SENT = "utter_page_request_sent"
PAGE_ITEM = "utter_page_item"
PAGE_RMA_NUMBER = "utter_page_rma_number"
PAGE_CHAT_TITLE = "utter_page_chat_title"
PAGE_CHAT_SUBTITLE = "utter_page_chat_subtitle"
PAGE_CONVERSATION = "utter_page_conversation"
PAGE_CHAT_INTRO = "utter_page_chat_intro"
PAGE_SUGGESTIONS = "utter_page_suggestions"
PAGE_QUICK_RETURN = "utter_page_quick_return"
PAGE_QUICK_RETURN_SAYS = "utter_page_quick_return_says"
PAGE_QUICK_REFUND = "utter_page_quick_refund"
PAGE_QUICK_REFUND_SAYS = "utter_page_quick_refund_says"
PAGE_QUICK_TRACK = "utter_page_quick_track"
PAGE_QUICK_TRACK_SAYS = "utter_page_quick_track_says"
PAGE_TYPING = "utter_page_typing"
PAGE_YOUR_MESSAGE = "utter_page_your_message"
PAGE_TYPE_HERE = "utter_page_type_here"
PAGE_SEND = "utter_page_send"
PAGE_CHAT_NEEDS_JAVASCRIPT = "utter_page_chat_needs_javascript"
PAGE_CHAT_OFFLINE = "utter_page_chat_offline"
PAGE_NOT_SENT = "utter_page_not_sent"
PAGE_OUR_TEAM = "utter_page_our_team"
PAGE_CHOOSE_OPTION = "utter_page_choose_option"
PAGE_DOWNLOAD_SLIP = "utter_page_download_slip"
SLIP_TITLE = "utter_slip_title"
SLIP_DOCUMENT_TITLE = "utter_slip_document_title"
SLIP_DOCUMENT_SUBJECT = "utter_slip_document_subject"
SLIP_ISSUED = "utter_slip_issued"
SLIP_RMA = "utter_slip_rma"
SLIP_ORDER = "utter_slip_order"
SLIP_SEND_SOON = "utter_slip_send_soon"
SLIP_SEND_BY = "utter_slip_send_by"
SLIP_LATE = "utter_slip_late"
SLIP_CUSTOMER = "utter_slip_customer"
SLIP_RETURN_TO = "utter_slip_return_to"
SLIP_FROM = "utter_slip_from"
SLIP_ITEM = "utter_slip_item"
SLIP_SKU = "utter_slip_sku"
SLIP_QUANTITY = "utter_slip_quantity"
SLIP_REASON = "utter_slip_reason"
SLIP_RESOLUTION = "utter_slip_resolution"
SLIP_REASON_TOO_SMALL = "utter_slip_reason_too_small"
SLIP_REASON_TOO_LARGE = "utter_slip_reason_too_large"
SLIP_REASON_NOT_AS_DESCRIBED = "utter_slip_reason_not_as_described"
SLIP_REASON_CHANGED_MIND = "utter_slip_reason_changed_mind"
SLIP_REASON_DAMAGED = "utter_slip_reason_damaged"
SLIP_REASON_WRONG_ITEM = "utter_slip_reason_wrong_item"
SLIP_REASON_OTHER = "utter_slip_reason_other"
SLIP_HOW_TO_SEND = "utter_slip_how_to_send"
SLIP_STEP_PACK = "utter_slip_step_pack"
SLIP_STEP_INSIDE = "utter_slip_step_inside"
SLIP_STEP_LABEL = "utter_slip_step_label"
SLIP_STEP_SEND_BY = "utter_slip_step_send_by"
SLIP_STEP_SEND_SOON = "utter_slip_step_send_soon"
SLIP_WHAT_NEXT = "utter_slip_what_next"
SLIP_NEXT_REFUND = "utter_slip_next_refund"
SLIP_NEXT_EXCHANGE = "utter_slip_next_exchange"
SLIP_NEXT_STORE_CREDIT = "utter_slip_next_store_credit"
SLIP_NEXT_REPLACEMENT = "utter_slip_next_replacement"
SLIP_NEXT_OTHER = "utter_slip_next_other"
SLIP_CUT_HERE = "utter_slip_cut_here"
SLIP_RMA_SHORT = "utter_slip_rma_short"

SLIP_REASONS: Dict[ReturnReason, str] = {  # a reason as the slip's table names it
    ReturnReason.TOO_SMALL: SLIP_REASON_TOO_SMALL, ReturnReason.TOO_LARGE: SLIP_REASON_TOO_LARGE,
    ReturnReason.NOT_AS_DESCRIBED: SLIP_REASON_NOT_AS_DESCRIBED, ReturnReason.CHANGED_MIND: SLIP_REASON_CHANGED_MIND,
    ReturnReason.DAMAGED: SLIP_REASON_DAMAGED, ReturnReason.WRONG_ITEM: SLIP_REASON_WRONG_ITEM,
    ReturnReason.OTHER: SLIP_REASON_OTHER,
}
SLIP_NEXT: Dict[Resolution, str] = {  # what the slip says happens once the parcel is back
    Resolution.REFUND: SLIP_NEXT_REFUND, Resolution.EXCHANGE: SLIP_NEXT_EXCHANGE,
    Resolution.STORE_CREDIT: SLIP_NEXT_STORE_CREDIT, Resolution.REPLACEMENT: SLIP_NEXT_REPLACEMENT,
}  # a resolution it does not know: SLIP_NEXT_OTHER

RESOLUTION_NAMES: Dict[Resolution, str] = {
    Resolution.REFUND: RESOLUTION_REFUND, Resolution.EXCHANGE: RESOLUTION_EXCHANGE,
    Resolution.STORE_CREDIT: RESOLUTION_STORE_CREDIT, Resolution.REPLACEMENT: RESOLUTION_REPLACEMENT,
}

NEXT: Dict[Resolution, str] = {  # once the return is back with us
    Resolution.REFUND: NEXT_REFUND, Resolution.EXCHANGE: NEXT_EXCHANGE,
    Resolution.STORE_CREDIT: NEXT_STORE_CREDIT, Resolution.REPLACEMENT: NEXT_REPLACEMENT,
}

CHANNEL_NAMES: Dict[str, str] = {  # sales channels, as the policy's sentences name them
    "amazon": PHRASE_CHANNEL_AMAZON, "ebay": PHRASE_CHANNEL_EBAY, "shopify": PHRASE_CHANNEL_SHOPIFY,
    "web": PHRASE_CHANNEL_WEB,
}

FREE_RETURN_REASONS: Dict[ReturnReason, str] = {  # "... unless the item <arrived damaged>"
    ReturnReason.DAMAGED: PHRASE_IF_DAMAGED, ReturnReason.WRONG_ITEM: PHRASE_IF_WRONG_ITEM,
    ReturnReason.NOT_AS_DESCRIBED: PHRASE_IF_NOT_AS_DESCRIBED, ReturnReason.TOO_SMALL: PHRASE_IF_TOO_SMALL,
    ReturnReason.TOO_LARGE: PHRASE_IF_TOO_LARGE, ReturnReason.CHANGED_MIND: PHRASE_IF_CHANGED_MIND,
}  # none of them: PHRASE_IF_FAULTY

STATUS_NAMES: Dict[RmaStatus, str] = {  # a return's status inside a sentence ("label created")
    RmaStatus.AUTHORISED: PHRASE_STATUS_AUTHORISED,
    RmaStatus.LABEL_CREATED: PHRASE_STATUS_LABEL_CREATED,
    RmaStatus.IN_TRANSIT: PHRASE_STATUS_IN_TRANSIT,
    RmaStatus.RECEIVED: PHRASE_STATUS_RECEIVED,
    RmaStatus.INSPECTED: PHRASE_STATUS_INSPECTED,
    RmaStatus.REFUNDED: PHRASE_STATUS_REFUNDED,
    RmaStatus.REJECTED: PHRASE_STATUS_REJECTED,
    RmaStatus.PENDING_REVIEW: PHRASE_STATUS_PENDING_REVIEW,
}

RESOLUTION_PHRASES: Dict[Resolution, str] = {  # a resolution inside a sentence ("the store credit of ...")
    Resolution.REFUND: PHRASE_RESOLUTION_REFUND,
    Resolution.EXCHANGE: PHRASE_RESOLUTION_EXCHANGE,
    Resolution.STORE_CREDIT: PHRASE_RESOLUTION_STORE_CREDIT,
    Resolution.REPLACEMENT: PHRASE_RESOLUTION_REPLACEMENT,
}

REMEDY: Dict[Resolution, str] = {  # a damaged item: replaced, or else refunded
    Resolution.REPLACEMENT: REMEDY_REPLACEMENT,
}  # any other resolution: REMEDY_REFUND

NOTICE: Dict[RmaStatus, str] = {  # a return just moved (the statuses a customer is told about)
    RmaStatus.LABEL_CREATED: NOTICE_LABEL_READY, RmaStatus.IN_TRANSIT: NOTICE_IN_TRANSIT,
    RmaStatus.RECEIVED: NOTICE_RECEIVED, RmaStatus.INSPECTED: NOTICE_INSPECTED, RmaStatus.REFUNDED: NOTICE_REFUNDED,
    RmaStatus.REJECTED: NOTICE_REJECTED,
}  # a label without a slip to link: NOTICE_LABEL_READY_BRIEF; a rejection with a reason: NOTICE_REJECTED_WHY

# The status ladder: for each status, (the chat's sentence when the return's resolution and refund are
# known, the sentence when they are not, e.g. a return read from a returns platform; the portal's).
# Authorised and label-created returns have their own rungs (a slip to send, a date to send it by).
LADDER: Dict[RmaStatus, tuple] = {
    RmaStatus.REFUNDED: (PROGRESS_REFUNDED, PROGRESS_REFUNDED_BRIEF, PORTAL_STATUS_REFUNDED),
    RmaStatus.REJECTED: (PROGRESS_REJECTED, PROGRESS_REJECTED, PORTAL_STATUS_REJECTED),
    RmaStatus.PENDING_REVIEW: (PROGRESS_PENDING_REVIEW, PROGRESS_PENDING_REVIEW_BRIEF, PORTAL_STATUS_PENDING_REVIEW),
    RmaStatus.RECEIVED: (PROGRESS_RECEIVED, PROGRESS_RECEIVED_BRIEF, PORTAL_STATUS_RECEIVED),
    RmaStatus.INSPECTED: (PROGRESS_RECEIVED, PROGRESS_RECEIVED_BRIEF, PORTAL_STATUS_RECEIVED),
    RmaStatus.IN_TRANSIT: (PROGRESS_IN_TRANSIT, PROGRESS_IN_TRANSIT_BRIEF, PORTAL_STATUS_IN_TRANSIT),
    RmaStatus.LABEL_CREATED: (PROGRESS_AWAITING, PROGRESS_AWAITING_BRIEF, PORTAL_STATUS_APPROVED),
    RmaStatus.AUTHORISED: (PROGRESS_AWAITING, PROGRESS_AWAITING_BRIEF, PORTAL_STATUS_APPROVED),
}

# Telegram's commands (channels/telegram/app.py COMMANDS): each one's line in the command menu
TELEGRAM_COMMANDS: Dict[str, str] = {
    "start": TELEGRAM_COMMAND_START, "help": TELEGRAM_COMMAND_HELP, "human": TELEGRAM_COMMAND_HUMAN,
    "cancel": TELEGRAM_COMMAND_CANCEL,
}
