"""A faithful local Gong API v2, for tests, demos and benchmarks."""
