"""Benchmarks: scripts that print throughput and memory figures (not tests)."""
