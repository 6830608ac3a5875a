"""Benchmarks of mtqa's heavy paths, each against a baseline measured in the
same run on the same data (`python -m benchmarks`, `make bench`)."""
