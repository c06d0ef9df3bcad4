"""Benchmarks of dlt-gong against the sandbox: request economy, time against Gong's rate
limit floor (the whole run), throughput, memory, and what each change bought.

Run with ``python -m bench`` (``make bench``); results go to ``bench/results.md`` and
``bench/results.json``. These are measurements, not tests: nothing here asserts a time.
"""
