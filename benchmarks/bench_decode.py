"""Decode throughput: our codec versus gurux-dlms on the same deterministic corpus.

Run from the project root (gurux-dlms is a test extra)::

    python benchmarks/bench_decode.py [--frames 100000] [--gurux-sample 4000] [--profile]

Builds ``--frames`` mixed frames with our encoder (:mod:`benchmarks.corpus`), then

* **ours** decodes every frame: the HDLC or WRAPPER frame (FCS/HCS checked), the LLC
  header, the APDU, and for ciphered frames AES-GCM deciphering (tag checked) plus the
  inner APDU; the user-information of AARQ/AARE is decoded too;
* **gurux** (``GXDLMSTranslator.messageToXml``, its decoder: frame + APDU to XML) reads a
  uniform sample of the same corpus (every k-th frame, ``--gurux-sample`` frames; 0 = all),
  and for ciphered frames also deciphers with its AES-GCM and translates the plaintext.
  gurux is pure Python with a pure-Python AES, so the whole corpus would take minutes;
  its rate is measured per frame on the sample and compared per frame.

Prints one table per decoder by frame kind, the overall frames/s, and the ratio. Targets
(issue "Protocol core"): ours >= 50,000 frames/s on one core and >= 20x gurux.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.corpus import KEYS, CorpusFrame, build_corpus
from conformance.codec.acse import AARE, AARQ
from conformance.codec.apdu import decode_apdu
from conformance.codec.hdlc import HdlcFrame, strip_llc
from conformance.codec.wrapper import WrapperFrame
from conformance.codec.xdlms.ciphered import CipheredApdu
from conformance.security import unprotect

TARGET_RATE = 50_000
TARGET_RATIO = 20.0


def decode_ours(f: CorpusFrame) -> object:
    """Frame, LLC, APDU, deciphering and inner APDU, with our codec."""
    if f.framing == "hdlc":
        _, apdu_bytes = strip_llc(HdlcFrame.decode(f.raw).information)
    else:
        apdu_bytes = WrapperFrame.decode(f.raw).apdu
    apdu = decode_apdu(apdu_bytes)
    if isinstance(apdu, CipheredApdu):
        return decode_apdu(unprotect(apdu, keys=KEYS, system_title=f.sender_title))
    if isinstance(apdu, AARQ | AARE) and apdu.user_information is not None:
        return decode_apdu(apdu.user_information)
    return apdu


def make_gurux_decoder() -> Callable[[CorpusFrame], object]:
    """gurux's translator (one instance, reused) plus its AES-GCM for ciphered frames."""
    from gurux_dlms import GXByteBuffer

    from tests.interop.gurux_peer import GuruxKeys, gurux_decipher, new_translator, quiet

    translator = new_translator()
    assert KEYS.encryption_key is not None and KEYS.authentication_key is not None
    ek, ak = KEYS.encryption_key, KEYS.authentication_key

    def decode(f: CorpusFrame) -> object:
        with quiet():
            xml = translator.messageToXml(GXByteBuffer(f.raw))
        if not f.ciphered:
            return xml
        end = len(f.raw) - 3 if f.framing == "hdlc" else len(f.raw)  # FCS and flag
        plain = gurux_decipher(f.raw[f.apdu_offset:end], GuruxKeys(
            block_cipher_key=ek, authentication_key=ak, system_title=f.sender_title))
        with quiet():
            return translator.pduToXml(GXByteBuffer(plain.plaintext))

    return decode


def run(frames: list[CorpusFrame], decode: Callable[[CorpusFrame], object]
        ) -> tuple[dict[str, tuple[int, float]], int]:
    """Decode frames grouped by kind (one timed loop per kind); returns per-kind
    (count, seconds) and the number of frames the decoder raised on."""
    groups: dict[str, list[CorpusFrame]] = defaultdict(list)
    for f in frames:
        groups[f.kind].append(f)
    out, errors = {}, 0
    for kind in sorted(groups):
        batch = groups[kind]
        t0 = time.perf_counter()
        for f in batch:
            try:
                decode(f)
            except Exception:
                errors += 1
        out[kind] = (len(batch), time.perf_counter() - t0)
    return out, errors


def table(title: str, results: dict[str, tuple[int, float]]) -> float:
    """Print per-kind rates; return the overall frames/s."""
    print(f"\n{title}")
    print(f"  {'kind':<42} {'frames':>8} {'seconds':>9} {'frames/s':>11}")
    for kind, (n, s) in results.items():
        print(f"  {kind:<42} {n:>8} {s:>9.3f} {n / s:>11,.0f}")
    n = sum(v[0] for v in results.values())
    s = sum(v[1] for v in results.values())
    print(f"  {'TOTAL':<42} {n:>8} {s:>9.3f} {n / s:>11,.0f}")
    return n / s


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=100_000, help="corpus size (default 100000)")
    p.add_argument("--gurux-sample", type=int, default=4000,
                   help="frames gurux decodes, a uniform sample (default 4000; 0 = all)")
    p.add_argument("--profile", action="store_true", help="cProfile our decoder, top 25")
    args = p.parse_args(argv)

    t0 = time.perf_counter()
    corpus = build_corpus(args.frames)
    print(f"corpus: {len(corpus)} frames, {sum(len(f.raw) for f in corpus):,} octets, "
          f"{len({f.kind for f in corpus})} kinds, built in {time.perf_counter() - t0:.1f} s")

    ours, ours_errors = run(corpus, decode_ours)
    ours_rate = table("ours (whole corpus)", ours)

    if 0 < args.gurux_sample < len(corpus):
        # Seeded uniform sample without replacement (a fixed stride could alias with the
        # corpus' period of 17 kinds x 5 framings and miss whole kinds).
        picks = sorted(random.Random(1).sample(range(len(corpus)), args.gurux_sample))
        sample = [corpus[i] for i in picks]
        label = f"uniform random sample of {len(sample)}"
    else:
        sample, label = corpus, "whole corpus"
    gurux, gurux_errors = run(sample, make_gurux_decoder())
    gurux_rate = table(f"gurux-dlms ({label})", gurux)

    ratio = ours_rate / gurux_rate
    print("\nsummary")
    print(f"  ours   {ours_rate:>11,.0f} frames/s  ({ours_errors} decode errors)")
    print(f"  gurux  {gurux_rate:>11,.0f} frames/s  ({gurux_errors} errors; sample of "
          f"{len(sample)}, rate extrapolated per frame)")
    print(f"  ratio  {ratio:>11.1f} x")
    print(f"  target ours >= {TARGET_RATE:,} frames/s: "
          f"{'met' if ours_rate >= TARGET_RATE else 'NOT met'}")
    print(f"  target ratio >= {TARGET_RATIO:.0f}x: {'met' if ratio >= TARGET_RATIO else 'NOT met'}")

    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for f in corpus:
            decode_ours(f)
        prof.disable()
        print("\ncProfile of our decoder (whole corpus), top 25 by internal time")
        pstats.Stats(prof, stream=sys.stdout).sort_stats("tottime").print_stats(25)
    return 1 if ours_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
