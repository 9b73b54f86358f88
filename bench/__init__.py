"""Benchmarks of the running assistant (`make bench`): they print figures, never assert."""
