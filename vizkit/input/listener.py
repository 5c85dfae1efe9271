"""The TUIO listener: sockets on their own thread, a bounded hand-over to the render loop.

::

    listener = TuioListener(port=3333).start()      # 127.0.0.1 unless a host is given
    ...
    for event in listener.poll(viewport=(1920, 1080)):   # once per frame, on the render thread
        scene_or_recogniser.feed(event)
    print(listener.counters())                     # what arrived and what was dropped, and why
    listener.close()

The listener thread receives UDP datagrams (and, with ``tcp_port``, TCP streams of OSC packets
each prefixed with its 4-byte big-endian length, as some tablet senders use), decodes them with a
:class:`~vizkit.input.tuio.TuioDecoder` and queues the resulting events. The render thread only
calls :meth:`TuioListener.poll`, which applies time-outs and hands the queued events over with
pixel positions for the current viewport — it never parses a packet.

Nothing that arrives can raise out of the listener: every packet is validated, and an unexpected
error while handling one is counted (``internal_errors``, logged once) and the packet dropped.
Memory stays bounded under a flood:

- token buckets — one per sender (``max_packets_per_second``) and one for all senders together
  (twice that) — drop excess packets before they are parsed (``rate_limited``); they run on
  the wall clock, not the event clock. At the defaults at most about 2,000 packets a second are
  parsed whatever arrives (a busy tracker sends 60–400), and parsing costs roughly 10–30 µs per
  TUIO message on this project's machines, so a flood's cost is capped, not free;
- the kernel's socket buffer drops what the thread cannot read in time;
- the event queue holds at most ``max_queued_events`` events (plus the ends of contacts already
  delivered): past it, moves are dropped first (the next move carries the absolute position),
  then new contacts with everything that follows them (``queue_moves_dropped``,
  ``queue_contacts_dropped``). An ``up`` or ``cancel`` for a delivered contact is never dropped,
  so the render side never keeps a stuck touch.

Events carry ``t`` from the ``clock`` the listener was given (``time.monotonic`` by default; a
test passes its own to make time-outs and gestures deterministic).
"""

from __future__ import annotations

import logging
import math
import selectors
import socket
import struct
import threading
import time
from collections.abc import Callable

from vizkit.input.delivery import EventQueue, PixelMapper
from vizkit.input.model import InputEvent
from vizkit.input.tuio import TuioDecoder, TuioSettings

log = logging.getLogger(__name__)

DEFAULT_PORT = 3333
LISTENER_COUNTERS = ("rate_limited", "queue_moves_dropped", "queue_contacts_dropped",
                     "internal_errors", "tcp_connections", "tcp_rejected", "tcp_bad_frames")


def parse_tuio_address(text: str) -> tuple[str, int]:
    """``"[tuio:][HOST:]PORT"`` → ``(host, port)``; the host defaults to 127.0.0.1.

    Accepts the forms the CLI (``--tuio 3333``, ``--tuio 0.0.0.0:3333``) and exhibit.toml
    (``sources = ["tuio:0.0.0.0:3333"]``) use; a bad value raises ``ValueError`` naming it.
    """
    raw = text.strip()
    body = raw[len("tuio:"):] if raw.startswith("tuio:") else raw
    host, _, port_text = body.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    try:
        port = int(port_text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65_535 or not body:
        raise ValueError(f"TUIO address {text!r}: expected [HOST:]PORT with PORT 0–65535, "
                         f"e.g. 3333 or 0.0.0.0:3333")
    return host, port


class _TokenBucket:
    __slots__ = ("rate", "stamp", "tokens")

    def __init__(self, rate: float, now: float):
        self.rate, self.tokens, self.stamp = rate, rate * 0.2, now

    def take(self, now: float) -> bool:
        self.tokens = min(self.rate * 0.2, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class TuioListener:
    """Receives TUIO 1.1 over UDP (and optionally TCP) on a background thread.

    Args:
        host: address to bind; 127.0.0.1 (this machine only) unless a table on the network
            must reach it (then e.g. ``"0.0.0.0"``).
        port: UDP port (TUIO's default 3333; 0 picks a free port, see :attr:`address`).
        tcp_port: also accept length-prefixed OSC over TCP on this port (``None``: no TCP).
        settings: the decoder's :class:`~vizkit.input.tuio.TuioSettings`.
        clock: seconds, stamped on every event and used for time-outs.
        max_packets_per_second: per-sender rate above which packets are dropped unparsed
            (``None``: no limit); all senders together may send twice that. A tracker sends
            one bundle per profile and camera frame: 60–400 per second.
        max_queued_events: events waiting for :meth:`poll` before moves are dropped.
        max_tcp_clients: TCP connections accepted at once.
    """

    def __init__(self, host: str = "127.0.0.1", port: int = DEFAULT_PORT, *,
                 tcp_port: int | None = None, settings: TuioSettings | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 max_packets_per_second: float | None = 1_000.0,
                 max_queued_events: int = 1024, max_tcp_clients: int = 4):
        if max_packets_per_second is not None and not (
                math.isfinite(max_packets_per_second) and max_packets_per_second > 0):
            raise ValueError(f"max_packets_per_second must be positive or None, "
                             f"got {max_packets_per_second!r}")
        self.host, self.port, self.tcp_port = host, port, tcp_port
        self.clock = clock
        self.decoder = TuioDecoder(settings)
        self.queue = EventQueue(max_queued_events)
        self.max_packets_per_second = max_packets_per_second
        self.max_tcp_clients = max_tcp_clients
        self._counters = dict.fromkeys(LISTENER_COUNTERS, 0)
        self._pixels = PixelMapper()
        self._lock = threading.Lock()  # guards the decoder (listener thread vs poll)
        self._buckets: dict[str, _TokenBucket] = {}
        self._total_bucket = (None if max_packets_per_second is None else
                              _TokenBucket(2 * max_packets_per_second, time.monotonic()))
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._selector: selectors.BaseSelector | None = None
        self._udp: socket.socket | None = None
        self._tcp: socket.socket | None = None
        self._clients: dict[socket.socket, tuple[str, bytearray]] = {}
        self._logged_error = False

    # -- life --------------------------------------------------------------------------------
    def start(self) -> TuioListener:
        """Bind the sockets and start the thread; ``OSError`` names the address if it is taken."""
        if self._thread is not None:
            return self
        selector = selectors.DefaultSelector()
        try:
            self._udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:  # room for bursts; the kernel caps it at net.core.rmem_max
                self._udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
            except OSError:
                pass
            self._udp.bind((self.host, self.port))
            self._udp.setblocking(False)
            selector.register(self._udp, selectors.EVENT_READ, "udp")
            if self.tcp_port is not None:
                self._tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                self._tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                self._tcp.bind((self.host, self.tcp_port))
                self._tcp.listen(self.max_tcp_clients)
                self._tcp.setblocking(False)
                selector.register(self._tcp, selectors.EVENT_READ, "accept")
        except OSError as exc:
            self._close_sockets()
            selector.close()
            raise OSError(exc.errno, f"TUIO listener cannot bind {self.host}:"
                                     f"{self.port if self._tcp is None else self.tcp_port}: "
                                     f"{exc.strerror}") from exc
        self._selector = selector
        self._thread = threading.Thread(target=self._run, name="vizkit-tuio", daemon=True)
        self._thread.start()
        return self

    @property
    def address(self) -> tuple[str, int]:
        """The bound UDP ``(host, port)`` (useful with ``port=0``)."""
        if self._udp is None:
            raise RuntimeError("the TUIO listener is not started")
        host, port = self._udp.getsockname()[:2]
        return host, port

    @property
    def tcp_address(self) -> tuple[str, int] | None:
        if self._tcp is None:
            return None
        host, port = self._tcp.getsockname()[:2]
        return host, port

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
            self._thread = None
        self._close_sockets()
        if self._selector is not None:
            self._selector.close()
            self._selector = None

    def __enter__(self) -> TuioListener:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- render side -------------------------------------------------------------------------
    def poll(self, viewport: tuple[int, int] = (1, 1),
             now: float | None = None) -> list[InputEvent]:
        """Events since the last poll (oldest first), then time-outs at ``now``.

        Call once per frame from the render thread; cheap (no parsing happens here).
        """
        now = self.clock() if now is None else now
        events = self.queue.take()
        with self._lock:
            expired = self.decoder.expire(now)
        return self._pixels.map(events + expired, viewport)

    def counters(self) -> dict[str, int]:
        """A snapshot of every counter: received, dropped by reason, time-outs, queue drops."""
        with self._lock:
            out = dict(self.decoder.counters)
        out.update(self._counters)
        out.update(self.queue.counters)
        return out

    # -- listener thread ---------------------------------------------------------------------
    def _run(self) -> None:
        selector = self._selector
        assert selector is not None
        while not self._stop.is_set():
            try:
                ready = selector.select(timeout=0.1)
            except (OSError, ValueError):
                return  # closed under us
            for key, _ in ready:
                try:
                    if key.data == "udp":
                        self._read_udp()
                    elif key.data == "accept":
                        self._accept()
                    else:
                        self._read_tcp(key.fileobj)  # type: ignore[arg-type]
                except Exception:  # a listener nothing can crash
                    self._internal_error()

    def _read_udp(self) -> None:
        udp = self._udp
        assert udp is not None
        for _ in range(256):  # then give TCP clients and the stop flag a turn
            try:
                data, address = udp.recvfrom(65_536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return  # e.g. ICMP port unreachable reported on some systems
            self._handle(data, f"{address[0]}:{address[1]}")

    def _handle(self, packet: bytes, sender: str) -> None:
        try:
            if self.max_packets_per_second is not None:
                wall = time.monotonic()
                bucket = self._buckets.get(sender)
                if bucket is None:
                    if len(self._buckets) >= 64:
                        self._buckets.pop(next(iter(self._buckets)))
                    bucket = self._buckets[sender] = _TokenBucket(self.max_packets_per_second,
                                                                  wall)
                if not bucket.take(wall) or not self._total_bucket.take(wall):  # type: ignore[union-attr]
                    self._counters["rate_limited"] += 1
                    return
            with self._lock:
                events = self.decoder.feed(packet, sender, self.clock())
            if events:
                self.queue.put(events)
        except Exception:
            self._internal_error()

    def _accept(self) -> None:
        assert self._tcp is not None and self._selector is not None
        try:
            client, address = self._tcp.accept()
        except (BlockingIOError, InterruptedError, OSError):
            return
        if len(self._clients) >= self.max_tcp_clients:
            self._counters["tcp_rejected"] += 1
            client.close()
            return
        client.setblocking(False)
        self._clients[client] = (f"{address[0]}:{address[1]}", bytearray())
        self._selector.register(client, selectors.EVENT_READ, "tcp")
        self._counters["tcp_connections"] += 1

    def _read_tcp(self, client: socket.socket) -> None:
        sender, buffer = self._clients[client]
        try:
            chunk = client.recv(65_536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            chunk = b""
        if not chunk:
            self._drop_client(client)
            return
        buffer += chunk
        limit = self.decoder.settings.wire.max_packet_bytes
        while len(buffer) >= 4:
            (size,) = struct.unpack_from(">I", buffer, 0)
            if not 0 < size <= limit:
                self._counters["tcp_bad_frames"] += 1  # the stream cannot be re-synchronised
                self._drop_client(client)
                return
            if len(buffer) < 4 + size:
                return
            packet = bytes(buffer[4:4 + size])
            del buffer[:4 + size]
            self._handle(packet, sender)

    def _drop_client(self, client: socket.socket) -> None:
        self._clients.pop(client, None)
        if self._selector is not None:
            try:
                self._selector.unregister(client)
            except (KeyError, ValueError):
                pass
        client.close()

    def _internal_error(self) -> None:
        self._counters["internal_errors"] += 1
        if not self._logged_error:
            self._logged_error = True
            log.exception("TUIO listener: a packet could not be handled (dropped; further "
                          "errors are only counted)")

    def _close_sockets(self) -> None:
        for client in list(self._clients):
            self._drop_client(client)
        for sock in (self._udp, self._tcp):
            if sock is not None:
                sock.close()
        self._udp = self._tcp = None
