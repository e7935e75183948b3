"""Names of actions, forms, slots and responses shared with domain.yml (tests check they exist)."""

# actions
START_REQUEST = "action_start_request"
ROUTE_REQUEST = "action_route_request"
SUBMIT_RETURN = "action_submit_return"
ASK_LINE_ID = "action_ask_line_id"
ASK_RESOLUTION = "action_ask_resolution"
REQUEST_HUMAN = "action_request_human"
HANDLE_FALLBACK = "action_handle_fallback"
VALIDATE_VERIFY_FORM = "validate_verify_form"
VALIDATE_RETURN_FORM = "validate_return_form"
STOP_UPDATES = "action_stop_updates"
START_UPDATES = "action_start_updates"

# forms
VERIFY_FORM = "verify_form"
RETURN_FORM = "return_form"

# slots
GOAL = "goal"
NEXT_STEP = "next_step"
ORDER_ID = "order_id"
CUSTOMER_PROOF = "customer_proof"
VERIFIED_ORDER_ID = "verified_order_id"
LINE_ID = "line_id"
RETURN_REASON = "return_reason"
RESOLUTION = "resolution"
MISUNDERSTOOD = "misunderstood"

# conversation tags
TAG_RMA_REQUEST = "rma_request"

ACTIONS = [START_REQUEST, ROUTE_REQUEST, SUBMIT_RETURN, ASK_LINE_ID, ASK_RESOLUTION, REQUEST_HUMAN,
           HANDLE_FALLBACK, VALIDATE_VERIFY_FORM, VALIDATE_RETURN_FORM, STOP_UPDATES, START_UPDATES]
FORMS = [VERIFY_FORM, RETURN_FORM]
SLOTS = [GOAL, NEXT_STEP, ORDER_ID, CUSTOMER_PROOF, VERIFIED_ORDER_ID, LINE_ID, RETURN_REASON, RESOLUTION, MISUNDERSTOOD]
