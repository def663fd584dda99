"""Test support shipped with the package: the loopback fault-injecting upstream and fakes."""
