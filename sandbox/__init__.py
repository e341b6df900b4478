"""A deterministic universe of simulated government portals, served through a local HTTP proxy,
with ground truth for tests, the demo and benchmarks. Imports nothing of ours."""
