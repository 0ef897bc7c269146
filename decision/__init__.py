"""finaid's domain: the case bundle, the decision basis, the trace and the ports.

Pure Python and pydantic: nothing here talks to a database, the network, a template engine or
the rule engine. Adapters and rules implement the ports defined in :mod:`decision.ports`.
"""
