"""Benchmark (`make bench`) and chaos run (`make chaos`) against a local cloud of their own."""
