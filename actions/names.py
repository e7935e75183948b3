"""Names shared with domain.yml (tests check they exist there): the one action and the one slot."""

CONVERSE = "action_converse"  # every customer message: see bot/conversation
DIALOGUE = "dialogue"  # the dialogue's state (bot.conversation.state.State as a JSON object)

ACTIONS = [CONVERSE]
SLOTS = [DIALOGUE]
