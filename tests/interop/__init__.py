"""Cross-checks of the codec against independent DLMS peers (test-only dependencies)."""
