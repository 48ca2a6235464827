"""A priors file becomes a validated :class:`~simulate.core.scenario.Scenario`: reading and
includes, overrides, units, joint sets and correlations. Imports only the core and the models."""
