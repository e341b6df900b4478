"""``make bench``: measurements of nianbao against a peer tool measured in the same run.

Each ``bench/bench_*.py`` module exposes ``run(quick: bool) -> list[Row]``; ``python -m bench``
runs them all (or those named on the command line) and prints one table, with the ratio of
ours to the peer's figure. Targets are reported, never asserted in tests.
"""
