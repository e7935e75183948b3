"""Which catalogue sentence each word of the web pages is: the portal's and the chat's chrome (titles,
labels, buttons, screen-reader announcements), in the customer's language.

The server fills a page before it is sent: `{{w:name}}` in the HTML becomes that sentence (escaped),
`{{lang}}` the page's language, and `{{words}}` (in `<body data-words>`) every sentence the page's
script needs, unfilled, by name; the script fills their `{placeholders}` itself (`say()` in portal.js
and chat.js). So a page holds no sentence of its own, and a translator translates the catalogue only.
"""
from __future__ import annotations

import html
import json
from typing import Mapping

from bot import responses as said
from bot.catalogue import Catalogue

# Both pages: the link to the chat and what a screen reader says of a link that opens a tab.
_SHARED = {"chat_with_us": said.PAGE_CHAT_WITH_US, "new_tab": said.PAGE_NEW_TAB}

PORTAL = {
    **_SHARED,
    "portal_title": said.PAGE_PORTAL_TITLE, "portal_subtitle": said.PAGE_PORTAL_SUBTITLE,
    "find_title": said.PAGE_FIND_TITLE, "find_lead": said.PAGE_FIND_LEAD,
    "order_number": said.PAGE_ORDER_NUMBER, "order_number_hint": said.PAGE_ORDER_NUMBER_HINT,
    "proof": said.PAGE_PROOF, "proof_hint": said.PAGE_PROOF_HINT, "find_submit": said.PAGE_FIND_SUBMIT,
    "order_title": said.PAGE_ORDER_TITLE, "order_lead": said.PAGE_ORDER_LEAD,
    "order_lead_open": said.PAGE_ORDER_LEAD_OPEN, "order_lead_none": said.PAGE_ORDER_LEAD_NONE,
    "request_return": said.PAGE_REQUEST_RETURN, "other_order": said.PAGE_OTHER_ORDER,
    "your_return": said.PAGE_YOUR_RETURN, "your_returns": said.PAGE_YOUR_RETURNS,
    "back_to_order": said.PAGE_BACK_TO_ORDER, "needs_javascript": said.PAGE_NEEDS_JAVASCRIPT,
    "chat_instead": said.PAGE_CHAT_INSTEAD, "questions": said.PAGE_QUESTIONS,
    "order_heading": said.PAGE_ORDER_HEADING, "one_item": said.PAGE_ONE_ITEM, "items": said.PAGE_ITEMS,
    "order_announcement": said.PAGE_ORDER_ANNOUNCEMENT, "print_slip": said.PAGE_PRINT_SLIP,
    "amazon_start": said.PAGE_AMAZON_START, "report_damaged": said.PAGE_REPORT_DAMAGED,
    "return_this": said.PAGE_RETURN_THIS, "how_many": said.PAGE_HOW_MANY, "up_to": said.PAGE_UP_TO,
    "quantity": said.PAGE_QUANTITY, "why_returning": said.PAGE_WHY_RETURNING, "instead": said.PAGE_INSTEAD,
    "approved_announcement": said.PAGE_APPROVED_ANNOUNCEMENT, "request_sent": said.PAGE_REQUEST_SENT,
    "item": said.PAGE_ITEM, "rma_number": said.PAGE_RMA_NUMBER,
    # the page's own checks before it asks (the API's errors come with the answer)
    "enter_order": said.PORTAL_ERROR_ENTER_ORDER, "enter_proof": said.PORTAL_ERROR_ENTER_PROOF,
    "choose_items": said.PORTAL_ERROR_CHOOSE_ITEMS, "choose_reason": said.PORTAL_ERROR_CHOOSE_REASON,
    "choose_resolution": said.PORTAL_ERROR_CHOOSE_RESOLUTION, "answer_marked": said.PORTAL_ERROR_ANSWER_MARKED,
    "offline": said.PORTAL_ERROR_OFFLINE,
}

CHAT = {
    **_SHARED,
    "chat_title": said.PAGE_CHAT_TITLE, "chat_subtitle": said.PAGE_CHAT_SUBTITLE,
    "conversation": said.PAGE_CONVERSATION, "chat_intro": said.PAGE_CHAT_INTRO, "suggestions": said.PAGE_SUGGESTIONS,
    "quick_return": said.PAGE_QUICK_RETURN, "quick_return_says": said.PAGE_QUICK_RETURN_SAYS,
    "quick_refund": said.PAGE_QUICK_REFUND, "quick_refund_says": said.PAGE_QUICK_REFUND_SAYS,
    "quick_track": said.PAGE_QUICK_TRACK, "quick_track_says": said.PAGE_QUICK_TRACK_SAYS,
    "typing": said.PAGE_TYPING, "your_message": said.PAGE_YOUR_MESSAGE, "type_here": said.PAGE_TYPE_HERE,
    "send": said.PAGE_SEND, "chat_needs_javascript": said.PAGE_CHAT_NEEDS_JAVASCRIPT,
    "offline": said.PAGE_CHAT_OFFLINE, "not_sent": said.PAGE_NOT_SENT, "our_team": said.PAGE_OUR_TEAM,
    "choose_option": said.PAGE_CHOOSE_OPTION, "download_slip": said.PAGE_DOWNLOAD_SLIP,
}


def page_in(page: str, words: Catalogue, names: Mapping[str, str]) -> str:
    """`page` (HTML) with its words in `words`' language: `{{w:name}}`, `{{lang}}` and `{{words}}`."""
    for name, key in names.items():
        marker = "{{w:%s}}" % name
        if marker in page:
            page = page.replace(marker, html.escape(words.text(key) if not words.placeholders(key)
                                                    else words.entry(key).text))
    page = page.replace("{{lang}}", html.escape(words.language, quote=True))
    script = {name: words.entry(key).text for name, key in names.items()}
    return page.replace("{{words}}", html.escape(json.dumps(script, ensure_ascii=False), quote=True))
