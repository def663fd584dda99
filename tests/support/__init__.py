"""Test support, never shipped: the loopback fault server, the fake upstream that wraps the
sample sites with content faults, and the generator of the committed sample world."""
