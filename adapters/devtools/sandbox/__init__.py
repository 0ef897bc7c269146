"""The sandbox SSBTEK: synthetic answers in the real SOAP shape, with fault control (demo mode, loopback only)."""
