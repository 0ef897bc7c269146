"""The nightly batch: claims with leases, worker processes, the morning report."""
