"""returnbot core: orders, the return policy, RMAs and the services that apply them.

Nothing in this package imports a chat framework (Rasa, Telegram, Slack) or an HTTP library;
`tests/test_architecture.py` checks that.
"""
