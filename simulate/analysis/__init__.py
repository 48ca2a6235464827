"""A run becomes typed results: summaries, pre-run checks, sensitivity, comparison, report
findings, the frontier table's and the serving validation's rows."""
