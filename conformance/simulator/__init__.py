"""The reference meter: a DLMS/COSEM server built from a test plan.

* :mod:`conformance.simulator.cosem` -- the COSEM object model (interface classes with
  their types and access rights, the logical device that dispatches GET / SET / ACTION).

The server role of the protocol machines and the switchable faults build on it.
"""
