"""The run: the per-document processor, where it runs (executors), the corpus-level counting
pass, incremental re-runs, and the runner that ties them to the outputs."""
