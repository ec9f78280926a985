"""A desk phone for the tests: pjsua2 (PJSIP's Python binding, PyPI
`pjsua2-python`), a SIP stack nobody here wrote, with only the codecs a
test allows (PCMU and PCMA: a plain G.711 phone).

lib/pjsua.js spawns this with the test venv's python. It talks JSON lines:
commands on stdin ({"command": "dial", "uri": ...}, {"command": "hangup"}),
events on stdout ({"event": ...}),
PJSIP's own log on stderr (the failure messages quote it). One call per
process. What the phone sends is a tone from PJSIP's tone generator; what
it hears is recorded to a WAV file by PJSIP's recorder, finished when the
call ends. No sound card: PJSIP's null audio device clocks the media.

It only binds 127.0.0.1, and it ends by itself after --max-seconds, or when
stdin closes (the test process went away).
"""

import argparse
import json
import os
import select
import sys
import time

import pjsua2 as pj

# The call states the test waits for, by name (PJSIP's own text for
# DISCONNECTED is "DISCONNCTD").
STATE_NAMES = {
    pj.PJSIP_INV_STATE_CALLING: "CALLING",
    pj.PJSIP_INV_STATE_EARLY: "EARLY",
    pj.PJSIP_INV_STATE_CONNECTING: "CONNECTING",
    pj.PJSIP_INV_STATE_CONFIRMED: "CONFIRMED",
    pj.PJSIP_INV_STATE_DISCONNECTED: "DISCONNECTED",
}

# How long one turn of the event loop waits for SIP or media events.
POLL_MS = 20


def emit(event, **fields):
    """One event for the test, as a JSON line."""
    print(json.dumps({"event": event, **fields}), flush=True)


class StderrLog(pj.LogWriter):
    """PJSIP's log (SIP messages included) on stderr, for failure messages."""

    def write(self, entry):
        sys.stderr.write(entry.msg if entry.msg.endswith("\n") else entry.msg + "\n")
        sys.stderr.flush()


class Phone(pj.Call):
    """The one call: reports its states, wires the tone and the recorder."""

    def __init__(self, account, tone_hz, record_path):
        super().__init__(account)
        self.tone_hz = tone_hz
        self.record_path = record_path
        # PJSIP objects that must live as long as the media does.
        self.tone = None
        self.recorder = None
        self.disconnected = False

    def onCallState(self, prm):
        info = self.getInfo()
        emit(
            "state",
            state=STATE_NAMES.get(info.state, info.stateText),
            code=info.lastStatusCode,
            reason=info.lastReason,
        )
        if info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.disconnected = True

    def onCallTsxState(self, prm):
        # Every SIP message the phone receives, first line only; and the
        # answer to our INVITE with its SDP, so the test sees what the
        # server chose rather than what PJSIP made of it.
        if prm.e.type != pj.PJSIP_EVENT_TSX_STATE:
            return
        state = prm.e.body.tsxState
        if state.type != pj.PJSIP_EVENT_RX_MSG:
            return
        message = state.src.rdata.wholeMsg
        first_line = message.split("\r\n", 1)[0]
        emit("sip_received", line=first_line, info=state.src.rdata.info)
        head, _, body = message.partition("\r\n\r\n")
        if first_line.startswith("SIP/2.0 200") and "INVITE" in cseq(head) and body:
            emit("answer", sdp=body)

    def onCallMediaState(self, prm):
        info = self.getInfo()
        for media in info.media:
            if media.type != pj.PJMEDIA_TYPE_AUDIO or media.status != pj.PJSUA_CALL_MEDIA_ACTIVE:
                continue
            stream = self.getStreamInfo(media.index)
            emit(
                "media",
                codec=stream.codecName,
                clockRate=stream.codecClockRate,
                payloadType=stream.txPt,
            )
            audio = self.getAudioMedia(media.index)
            if self.tone is None and self.tone_hz:
                self.tone = pj.ToneGenerator()
                self.tone.createToneGenerator()
                tone = pj.ToneDesc()
                # PJSIP's tones are dual-tone; one frequency twice is a pure tone.
                tone.freq1 = self.tone_hz
                tone.freq2 = self.tone_hz
                tone.on_msec = 1000
                tone.off_msec = 0
                tone.volume = 0  # PJSIP's default level
                tones = pj.ToneDescVector()
                tones.append(tone)
                self.tone.play(tones, True)
            if self.tone is not None:
                self.tone.startTransmit(audio)
            if self.recorder is None:
                self.recorder = pj.AudioMediaRecorder()
                self.recorder.createRecorder(self.record_path)
                emit("recording", path=self.record_path)
            audio.startTransmit(self.recorder)


def cseq(head):
    """The CSeq header's value of a message head, or ''."""
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "cseq":
            return value.strip()
    return ""


def read_commands(buffer):
    """Whole lines typed on stdin so far; None once stdin is closed."""
    ready, _, _ = select.select([sys.stdin], [], [], 0)
    if not ready:
        return buffer, []
    chunk = os.read(sys.stdin.fileno(), 4096)
    if not chunk:
        return buffer, None
    buffer += chunk
    *lines, rest = buffer.split(b"\n")
    return rest, [json.loads(line) for line in lines if line.strip()]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--name", default="Desk Phone", help="the From display name")
    parser.add_argument("--user", default="desk", help="the SIP user part")
    parser.add_argument("--codecs", default="PCMU,PCMA", help="codec names to enable, e.g. PCMU,PCMA")
    parser.add_argument("--tone-hz", type=int, default=440, help="the tone sent; 0 sends nothing")
    parser.add_argument("--record", required=True, help="the WAV file of what the phone hears")
    parser.add_argument("--max-seconds", type=float, default=120)
    args = parser.parse_args()
    allowed = [c.strip().upper() for c in args.codecs.split(",") if c.strip()]

    endpoint = pj.Endpoint()
    endpoint.libCreate()
    config = pj.EpConfig()
    # Everything on this thread: the loop below drives PJSIP.
    config.uaConfig.threadCnt = 0
    config.uaConfig.mainThreadOnly = True
    config.uaConfig.userAgent = "civicmeet-test-pjsua2"
    log = StderrLog()
    config.logConfig.writer = log
    config.logConfig.level = 4
    config.logConfig.consoleLevel = 4
    config.logConfig.msgLogging = True
    config.logConfig.decor = pj.PJ_LOG_HAS_TIME | pj.PJ_LOG_HAS_SENDER | pj.PJ_LOG_HAS_NEWLINE
    # A desk phone sends RTP all the time, also in pauses.
    config.medConfig.noVad = True
    endpoint.libInit(config)

    transport = pj.TransportConfig()
    transport.boundAddress = "127.0.0.1"
    transport.port = 0
    transport_id = endpoint.transportCreate(pj.PJSIP_TRANSPORT_UDP, transport)
    endpoint.libStart()
    endpoint.audDevManager().setNullDev()

    enabled = []
    for codec in endpoint.codecEnum2():
        name = codec.codecId.split("/")[0].upper()
        keep = name in allowed
        endpoint.codecSetPriority(codec.codecId, 200 if keep else 0)
        if keep:
            enabled.append(codec.codecId)
    if not enabled:
        emit("error", message=f"none of {allowed} is a codec of this PJSIP")
        endpoint.libDestroy()
        return 2

    account_config = pj.AccountConfig()
    account_config.idUri = f'"{args.name}" <sip:{args.user}@127.0.0.1>'
    account_config.mediaConfig.transportConfig.boundAddress = "127.0.0.1"
    account_config.sipConfig.transportId = transport_id
    account = pj.Account()
    account.create(account_config)

    port = endpoint.transportGetInfo(transport_id).localName
    emit("ready", version=endpoint.libVersion().full, codecs=enabled, contact=port)

    phone = None
    buffer = b""
    deadline = time.monotonic() + args.max_seconds
    # Once we hung up: how long we wait for the server's answer to our BYE.
    grace_until = None
    while phone is None or not phone.disconnected:
        endpoint.libHandleEvents(POLL_MS)
        now = time.monotonic()
        if grace_until is not None:
            if now > grace_until:
                break
            continue
        buffer, commands = read_commands(buffer)
        stop = "stdin closed" if commands is None else "max seconds" if now > deadline else None
        if stop:
            emit("stopping", why=stop)
            if phone is None:
                break
            phone.hangup(pj.CallOpParam(True))
            grace_until = now + 2
            continue
        for command in commands:
            name = command.get("command")
            try:
                if name == "dial" and phone is None:
                    phone = Phone(account, args.tone_hz, args.record)
                    phone.makeCall(command["uri"], pj.CallOpParam(True))
                elif name == "hangup" and phone is not None:
                    phone.hangup(pj.CallOpParam(True))
                else:
                    emit("error", message=f"cannot do {json.dumps(command)} now")
            except pj.Error as error:
                emit("error", message=f"{name}: {error.info()}")

    # The recorder writes the WAV header's sizes when it is destroyed.
    recorded = None
    if phone is not None and phone.recorder is not None:
        phone.recorder = None
        recorded = args.record
    phone = None
    emit("closed", recording=recorded)
    endpoint.libDestroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
