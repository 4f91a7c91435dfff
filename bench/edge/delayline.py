"""A point-to-point link with a one-way delay, between two network namespaces.

This kernel has no netem, so the delay is added here: every IP packet read
from the TUN device `edge0` of one namespace is written, DELAY ms later, into
the `edge0` of the other. Both TCP ends see the real round trip (their
retransmission timers are those of a 600 ms RTT link), while the kernel does
the rest: `tc tbf` shapes each direction, nftables drops 10 % of the packets
and counts the bytes (see run.sh).

Run it in the first namespace: `ip netns exec A python3 delayline.py B 300`.
It opens A's edge0, moves itself into namespace B (setns) and opens B's edge0.
"""

import ctypes
import fcntl
import heapq
import os
import selectors
import signal
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
CLONE_NEWNET = 0x40000000


def open_tun(name: str) -> int:
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def enter_netns(name: str) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        raise OSError(ctypes.get_errno(), f"setns into {name}")
    os.close(fd)


def main() -> None:
    other_ns, delay_ms = sys.argv[1], float(sys.argv[2])
    delay = delay_ms / 1000.0
    here = open_tun("edge0")
    enter_netns(other_ns)
    there = open_tun("edge0")
    peer = {here: there, there: here}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    sel = selectors.DefaultSelector()
    for fd in peer:
        sel.register(fd, selectors.EVENT_READ)
    due = []  # (time to write, sequence, fd to write to, packet)
    seq = 0
    print("delayline: up", flush=True)
    while True:
        timeout = max(0.0, due[0][0] - time.monotonic()) if due else None
        for key, _ in sel.select(timeout):
            while True:
                try:
                    packet = os.read(key.fd, 65535)
                except BlockingIOError:
                    break
                heapq.heappush(due, (time.monotonic() + delay, seq, peer[key.fd], packet))
                seq += 1
        now = time.monotonic()
        while due and due[0][0] <= now:
            _, _, fd, packet = heapq.heappop(due)
            try:
                os.write(fd, packet)
            except BlockingIOError:
                pass  # the receiving queue is full: the packet is lost, as on a radio


if __name__ == "__main__":
    main()
