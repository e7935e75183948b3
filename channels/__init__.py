"""Customer and agent channels of the gateway: adapters that carry messages between people and Rasa."""
