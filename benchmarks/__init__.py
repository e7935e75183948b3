"""Benchmarks (not tests): `make bench` (load on the running stack vs a vanilla Rasa bot, bench.py and
the modules it names), `make soak` (soak.py) and the NLU comparison inputs of `make nlu-eval`. Nothing
here is imported by the product."""
