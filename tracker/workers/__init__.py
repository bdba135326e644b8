"""Worker processes for CPU-bound work on untrusted input: feed parsing, page text extraction,
interpretation. `pool` starts, reuses, limits and replaces them (the parent's side); `child` is
what every worker does first (its memory limit) and its CPU budget (the worker's side).
"""
