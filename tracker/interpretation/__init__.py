"""Interpretation (extraction of an article's facts) in worker processes: `pool` runs a batch of
articles across processes under a per-article time budget and a memory limit, `worker` is the
process that does the work."""
