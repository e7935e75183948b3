"""Rasa-specific extensions of returnbot (custom NLU components, the SQLite tracker store); the
logic they use lives in `bot/`. Rasa imports this package when it loads the model or the tracker
store, which is when `speedups` patches it."""
from rasa_ext import speedups

speedups.install()
