"""Promotion gates: absolute bounds, deltas against the champion of an environment, and an optional
paired bootstrap of the difference. `evaluate_gates(loaded, record, env)` is the entry point."""
