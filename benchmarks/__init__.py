"""Benchmarks (issue 8): a seeded generator of large canonical logs, the toolkit against a
plain pandas and a hand-written DuckDB SQL implementation of the same core definitions, and a
runner that times them in separate processes. See ``benchmarks/README.md``."""
