"""The `returnbot` command: run the stack, train, import orders, inspect returns and orders."""
