"""Custom actions for the Rasa action server: thin adapters from dialogue state to bot/ services.

One module per conversation feature; names in actions/names.py; services from actions/deps.py.
"""
