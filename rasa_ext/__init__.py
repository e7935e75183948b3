"""Rasa-specific extensions of returnbot (custom NLU components); the logic they use lives in `bot/`."""
