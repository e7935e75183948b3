"""The pure helpers of `make bench` (benchmarks/): percentiles, /proc parsing, the simulated customers
and the profile buckets. The benchmark itself measures and is not run here."""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from benchmarks.conversations import MoodbotCustomers, Press, ReturnbotCustomers, Say, demo_orders, pick_button
from benchmarks.procstats import parse_machine_cpu, parse_stat, parse_status
from benchmarks.profile_summary import attribute, read_stacks
from benchmarks.latency import percentile, rolling, summary


@pytest.mark.parametrize("values", [[5.0], [1.0, 2.0], [3.0, 1.0, 2.0, 10.0, 7.0], list(np.linspace(0, 99, 37))])
@pytest.mark.parametrize("q", [0, 50, 95, 99, 100])
def test_percentile_interpolates_between_ranks_as_numpy_does(values, q):
    assert percentile(values, q) == pytest.approx(float(np.percentile(values, q)))


def test_percentile_refuses_a_rank_outside_0_to_100():
    with pytest.raises(ValueError):
        percentile([1.0], 101)


def test_summary_of_no_turns_has_no_figures():
    assert summary([]) == {"p50_ms": None, "p95_ms": None, "p99_ms": None, "mean_ms": None, "max_ms": None}


def test_rolling_percentile_uses_the_last_values_only():
    assert rolling([1.0, 100.0, 3.0, 4.0], window=2, q=0) == [1.0, 1.0, 3.0, 3.0]


def test_status_gives_resident_and_peak_memory_and_parent():
    text = ("Name:\tpython\nState:\tS (sleeping)\nPPid:\t4242\nVmPeak:\t  900 kB\n"
            "VmHWM:\t  654320 kB\nVmRSS:\t  612000 kB\n")
    assert parse_status(text) == {"PPid": 4242, "VmHWM": 654320, "VmRSS": 612000}


def test_status_of_a_kernel_thread_has_no_memory_lines():
    assert parse_status("Name:\tkthreadd\nPPid:\t0\n") == {"PPid": 0}


def test_stat_counts_fields_after_a_command_name_with_spaces_and_parentheses():
    fields = ["S", "77"] + ["0"] * 9 + ["150", "25"] + ["0"] * 10
    assert parse_stat("1234 (rasa (main) worker) " + " ".join(fields)) == (77, 175)


def test_machine_cpu_counts_idle_and_iowait_as_not_busy():
    assert parse_machine_cpu("cpu  100 5 50 800 40 3 2 0 0 0\ncpu0 1 2 3 4 5 6 7 8\n") == (160, 1000)


def test_a_customer_never_presses_the_button_that_leaves_the_bot():
    buttons = [{"title": "Talk to a person", "payload": "/human_handoff"},
               {"title": "Trail running shoes (89.99 USD)", "payload": '/inform{"line_id":"L1"}'},
               {"title": "Running socks (3 pack) (14.99 USD)", "payload": '/inform{"line_id":"L2"}'}]
    assert pick_button(buttons, Press(0.0))["payload"].endswith('"L1"}')
    assert pick_button(buttons, Press(0.99))["payload"].endswith('"L2"}')
    assert pick_button(buttons[:1], Press(0.5)) is None
    assert pick_button([], Press(0.5)) is None


def test_the_same_seed_gives_the_same_customers():
    assert list(itertools.islice(ReturnbotCustomers(7), 50)) == list(itertools.islice(ReturnbotCustomers(7), 50))
    assert list(itertools.islice(MoodbotCustomers(7), 50)) == list(itertools.islice(MoodbotCustomers(7), 50))


def test_returnbot_customers_prove_each_order_with_its_own_email_or_postcode():
    orders = {o.order_id: o for o in demo_orders()}
    for conversation in itertools.islice(ReturnbotCustomers(3), 200):
        said = [step.text for step in conversation.steps if isinstance(step, Say)]
        asked = next((o for o in orders.values() if any(o.order_id in text for text in said)), None)
        if conversation.kind == "small_talk":
            assert asked is None
            continue
        assert asked is not None, conversation
        assert any(text.endswith(asked.email) or text == asked.postcode for text in said), conversation


def test_returnbot_customers_mix_every_kind_of_conversation():
    kinds = {c.kind for c in itertools.islice(ReturnbotCustomers(1), 200)}
    assert kinds == {"return", "tracking", "refund_status", "small_talk"}


def test_a_profile_sample_goes_to_the_first_matching_bucket_and_idle_ones_to_none():
    stacks = read_stacks([
        "process 1;serve (sanic/server/runners.py:155) 40",
        "process 1;handle_message (rasa/core/processor.py:169);run (rasa/core/actions/action.py:790);"
        "_validate_action_result (rasa/core/actions/action.py:704) 7",
        "process 1;handle_message (rasa/core/processor.py:169);run (rasa/core/actions/action.py:790) 3",
        "process 1;something (elsewhere.py:1) 1",
    ])
    buckets = [("schema", ("_validate_action_result",)), ("action call", ("rasa/core/actions/action.py",))]
    counts, idle = attribute(stacks, buckets)
    assert idle == 40
    assert counts == {"schema": 7, "action call": 3, "other": 1}


def test_the_report_judges_latency_both_at_capacity_and_at_a_human_pace():
    from argparse import Namespace
    from datetime import datetime, timezone

    from benchmarks.bench_report import build_report
    from benchmarks.load import Turn
    from benchmarks.measure import Phase

    def turns(latency_ms, n=100):
        return [Turn(float(i), latency_ms, "return", "hi", None, ["ok"]) for i in range(n)]

    phases = {"returnbot": Phase("returnbot", turns(400.0), 2.0, {}, 0.1, 0.0, 1.0, turns(20.0, 10), turns(25.0)),
              "vanilla": Phase("vanilla", turns(500.0), 4.0, {}, 0.1, 0.0, 1.0, turns(30.0, 10), turns(40.0))}
    args = Namespace(concurrency=20, turns=100, warmup_turns=0, think_ms=0.0, paced_turns=100,
                     paced_think_ms=2000.0, seed=1, profile=False)
    report = build_report(phases, args, datetime.now(timezone.utc), 1.0)
    assert (report["p50_ms"], report["paced_p50_ms"], report["vanilla_paced_p99_ms"]) == (400.0, 25.0, 40.0)
    assert report["ratio"] == 2.0
    met = report["targets_met"]
    assert (met["p50_ms"], met["paced_p50_ms"], met["paced_p99_ms"], met["ratio"]) == (False, True, True, True)
