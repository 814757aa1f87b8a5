"""The blocking client: a :class:`~conformance.client.session.Session` that connects to a
meter, associates, reads, writes and invokes methods through the sans-IO protocol machines,
and records every octet in a :class:`~conformance.client.trace.TraceRecorder`.
"""
