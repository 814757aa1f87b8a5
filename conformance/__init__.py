"""DLMS/COSEM conformance test suite.

Layers (imports flow down only): ``codec`` (bytes <-> frozen dataclasses), ``security``
(AES-GCM, HLS, ECDH/ECDSA, key wrap), ``protocol`` (sans-IO machines), ``transport`` (byte
pipes), ``client`` (blocking session), ``plan`` (test plans), ``simulator`` (reference
meter), ``checks``, ``plugin`` (pytest), ``analysis`` (results, traces, diagnosis).
"""

__version__ = "0.1.0"
