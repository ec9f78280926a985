# Makes tests/data/aiortc_{h264,vp8}.txt: a moving test pattern encoded by
# libx264 (baseline) and libvpx through aiortc 1.16, put into RTP payloads by
# aiortc's own payloaders (STAP-A and FU-A; its VP8 descriptor), and, for
# each frame, the SHA-1 of what aiortc's own depayloaders make of them.
# An implementation nobody here wrote, on both sides of our depacketizer.
#
#   python3 -m venv venv && venv/bin/pip install aiortc==1.16.0
#   venv/bin/python make_aiortc_video.py
#
# Lines: "rtp <seq> <timestamp> <marker> <payload hex>" and
# "frame <timestamp> <keyframe 0/1> <sha1 hex>".
import fractions, hashlib
import av
from aiortc.codecs.h264 import H264Encoder, h264_depayload
from aiortc.codecs.vpx import Vp8Encoder, vp8_depayload

W, H, N, KEYFRAMES = 160, 120, 12, (0, 6)

def pattern(i):
    f = av.VideoFrame(W, H, "yuv420p")
    for p, (pw, ph) in zip(f.planes, [(W, H), (W // 2, H // 2), (W // 2, H // 2)]):
        ls = p.line_size
        rows = bytearray(ls * ph)
        for y in range(ph):
            for x in range(pw):
                rows[y * ls + x] = (x * 3 + y * 2 + i * 7 + ((x // 16 + y // 16 + i // 5) % 2) * 80) & 0xFF
        p.update(bytes(rows))
    f.pts = i
    f.time_base = fractions.Fraction(1, 30)
    return f

for name, enc, depayload in [("h264", H264Encoder(), h264_depayload), ("vp8", Vp8Encoder(), vp8_depayload)]:
    seq = 65530  # wraps on the way
    with open(f"aiortc_{name}.txt", "w") as out:
        for i in range(N):
            payloads, ts = enc.encode(pattern(i), force_keyframe=(i in KEYFRAMES))
            for k, payload in enumerate(payloads):
                out.write(f"rtp {seq & 0xffff} {ts} {int(k == len(payloads) - 1)} {payload.hex()}\n")
                seq += 1
            frame = b"".join(depayload(p) for p in payloads)
            out.write(f"frame {ts} {int(i in KEYFRAMES)} {hashlib.sha1(frame).hexdigest()}\n")
