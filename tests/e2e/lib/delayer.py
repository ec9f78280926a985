"""Holds every packet of one NFQUEUE queue for a fixed time, then lets it go.

This kernel has no netem, so a test link's delay is made here: the harness
(netns.js) runs this program inside the test's own network namespace and
sends that namespace's UDP to the queue with an iptables NFQUEUE rule. The
kernel keeps the packets; this program only sees their ids (copy mode META)
and answers ACCEPT for each once it is `--delay-ms` old, in arrival order.

Standard library only (the nfnetlink_queue protocol over an AF_NETLINK
socket, see linux/netfilter/nfnetlink_queue.h), so nothing is compiled or
installed for it. Prints "ready" once the queue is bound; any error from the
kernel ends it with a message and a non-zero exit.
"""

import argparse
import collections
import select
import socket
import struct
import sys
import time

NETLINK_NETFILTER = 12
NLMSG_ERROR = 2
NLM_F_REQUEST = 1
NLM_F_ACK = 4
NFNL_SUBSYS_QUEUE = 3
NFQNL_MSG_PACKET = 0
NFQNL_MSG_VERDICT = 1
NFQNL_MSG_CONFIG = 2
NFQA_PACKET_HDR = 1
NFQA_VERDICT_HDR = 2
NFQA_CFG_CMD = 1
NFQA_CFG_PARAMS = 2
NFQA_CFG_QUEUE_MAXLEN = 3
NFQNL_CFG_CMD_BIND = 1
NFQNL_COPY_META = 1
NF_ACCEPT = 1
SO_RCVBUFFORCE = 33


def attr(kind, payload):
    """One netlink attribute, padded to 4 bytes."""
    length = 4 + len(payload)
    return struct.pack("=HH", length, kind) + payload + b"\0" * (-length % 4)


def message(msg_type, queue, attrs, flags=NLM_F_REQUEST, seq=0):
    """A netlink message of the queue subsystem: nlmsghdr + nfgenmsg + attributes."""
    body = struct.pack("=BBH", socket.AF_UNSPEC, 0, socket.htons(queue)) + b"".join(attrs)
    header = struct.pack("=IHHII", 16 + len(body), (NFNL_SUBSYS_QUEUE << 8) | msg_type, flags, seq, 0)
    return header + body


def messages(data):
    """Yields (type, payload) for each netlink message in one datagram."""
    offset = 0
    while offset + 16 <= len(data):
        length, msg_type = struct.unpack_from("=IH", data, offset)
        if length < 16:
            return
        yield msg_type, data[offset + 16 : offset + length]
        offset += (length + 3) & ~3


def packet_id(payload):
    """The packet id from a NFQNL_MSG_PACKET payload, or None."""
    offset = 4  # nfgenmsg
    while offset + 4 <= len(payload):
        length, kind = struct.unpack_from("=HH", payload, offset)
        if length < 4:
            return None
        if kind & 0x7FFF == NFQA_PACKET_HDR:
            return struct.unpack_from("!I", payload, offset + 4)[0]
        offset += (length + 3) & ~3
    return None


def configure(sock, queue):
    """Binds the queue and asks for metadata only; fails on any kernel error."""
    requests = [
        attr(NFQA_CFG_CMD, struct.pack("!BxH", NFQNL_CFG_CMD_BIND, socket.AF_INET)),
        attr(NFQA_CFG_PARAMS, struct.pack("!IB", 0, NFQNL_COPY_META)),
        # Room for ~1.5 s of a video call's packets; the default is 1024.
        attr(NFQA_CFG_QUEUE_MAXLEN, struct.pack("!I", 4096)),
    ]
    for seq, request in enumerate(requests, start=1):
        sock.send(message(NFQNL_MSG_CONFIG, queue, [request], NLM_F_REQUEST | NLM_F_ACK, seq))
        for msg_type, payload in messages(sock.recv(65536)):
            if msg_type == NLMSG_ERROR:
                (error,) = struct.unpack_from("=i", payload)
                if error != 0:
                    raise OSError(-error, f"configuring NFQUEUE {queue}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queue", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, required=True)
    args = parser.parse_args()
    delay = args.delay_ms / 1000

    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    sock.bind((0, 0))
    # A bigger receive buffer than the default: packets that do not fit are
    # dropped by the kernel, which would be loss nobody asked for.
    sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 8 << 20)
    configure(sock, args.queue)
    print("ready", flush=True)

    held = collections.deque()  # (due, packet id), oldest first: the delay is constant
    overruns = 0
    while True:
        timeout = max(0.0, held[0][0] - time.monotonic()) if held else None
        readable, _, _ = select.select([sock], [], [], timeout)
        if readable:
            try:
                data = sock.recv(1 << 16)
            except OSError as error:
                if error.errno != 105:  # ENOBUFS: the kernel dropped some; go on
                    raise
                overruns += 1
                print(f"delayer: receive buffer overrun {overruns}", file=sys.stderr, flush=True)
                continue
            now = time.monotonic()
            for msg_type, payload in messages(data):
                if msg_type == NLMSG_ERROR:
                    (error,) = struct.unpack_from("=i", payload)
                    if error != 0:
                        raise OSError(-error, "verdict refused")
                elif msg_type == (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET:
                    ident = packet_id(payload)
                    if ident is not None:
                        held.append((now + delay, ident))
        now = time.monotonic()
        verdicts = []
        while held and held[0][0] <= now:
            _, ident = held.popleft()
            verdicts.append(message(NFQNL_MSG_VERDICT, args.queue, [attr(NFQA_VERDICT_HDR, struct.pack("!II", NF_ACCEPT, ident))]))
        if verdicts:
            sock.send(b"".join(verdicts))


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        pass
