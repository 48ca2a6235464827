"""The numerical core: distributions, sampling, dependence, expressions, units, statistics and
the engine that evaluates a scenario's draws. No file I/O and no presentation here."""
