"""SSBTEK v10: the registry client, envelopes, one parser per agency payload, the mapping to entries."""
