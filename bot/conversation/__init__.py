"""The conversation: what a customer's message means at this point of the dialogue, and what to do
and say about it (pure: no framework; the stores are reached through the services). See
docs/conversation.md."""
