"""Benchmarks and load runs (scripts); a package only so that tests can import `bench.load`."""
