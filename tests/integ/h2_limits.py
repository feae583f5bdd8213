# Hand-made HTTP/2 frame sequences for tests/integ/test_h2_limits.c: one
# case per run, named by the first argument, the port by the second. Frames
# are built and read with hyperframe and hpack (python3-h2), whose
# connection object would refuse to send most of them. Each case prints
# what it saw, one line per fact, flushed at once, so that the test acts on
# what the client saw and not on time.
import socket
import sys
import time

import hpack
import hyperframe.frame as hf

PREFACE = b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'
case, port = sys.argv[1], int(sys.argv[2])
arg = int(sys.argv[3]) if len(sys.argv) > 3 else 0
t0 = time.monotonic()


def say(*words):
    print(*words, flush=True)


def ms():
    return int((time.monotonic() - t0) * 1000)


def connect(settings=None, timeout=20):
    s = socket.create_connection(('127.0.0.1', port), timeout=timeout)
    f = hf.SettingsFrame(0)
    if settings:
        f.settings = settings
    s.sendall(PREFACE + f.serialize())
    return s


class Reader:
    """Frames off a socket, answering the server's SETTINGS when asked."""

    def __init__(self, s, ack=True):
        self.s, self.ack, self.buf, self.eof = s, ack, b'', None
        self.dec = hpack.Decoder()
        self.dec.max_allowed_table_size = 65536

    def next(self):
        while True:
            if len(self.buf) >= 9:
                f, n = hf.Frame.parse_frame_header(memoryview(self.buf[:9]))
                if len(self.buf) >= 9 + n:
                    f.parse_body(memoryview(self.buf[9:9 + n]))
                    self.buf = self.buf[9 + n:]
                    if isinstance(f, hf.HeadersFrame):
                        # Every block, in order: the table stays in step.
                        f.fields = dict(self.dec.decode(f.data))
                    if self.ack and isinstance(f, hf.SettingsFrame) and 'ACK' not in f.flags:
                        try:
                            self.s.sendall(hf.SettingsFrame(0, flags=['ACK']).serialize())
                        except OSError:
                            pass  # closed: what it sent is still read
                    return f
            if self.eof:
                return None
            try:
                d = self.s.recv(65536)
            except ConnectionResetError:
                d, self.eof = b'', 'reset'
            except socket.timeout:
                d, self.eof = b'', 'timeout'
            if not d:
                self.eof = self.eof or 'eof'
                continue
            self.buf += d

    def status(self, f):
        return f.fields.get(':status', '?')


def get(enc, sid, path='/', extra=(), end_stream=True, end_headers=True):
    fields = [(':method', 'GET'), (':path', path), (':scheme', 'http'),
              (':authority', 'x')] + list(extra)
    flags = (['END_STREAM'] if end_stream else []) + (['END_HEADERS'] if end_headers else [])
    return hf.HeadersFrame(sid, enc.encode(fields), flags=flags).serialize()


def serve_one(s, r, enc, sid, path='/'):
    """A GET on the connection; its status and body, or None."""
    s.sendall(get(enc, sid, path))
    status, body = None, b''
    while True:
        f = r.next()
        if f is None:
            return None
        if f.stream_id != sid:
            continue
        if isinstance(f, hf.HeadersFrame):
            status = r.status(f)
        elif isinstance(f, hf.DataFrame):
            body += f.data
            if f.flow_controlled_length:
                s.sendall(hf.WindowUpdateFrame(0, f.flow_controlled_length).serialize() +
                          hf.WindowUpdateFrame(sid, f.flow_controlled_length).serialize())
        elif isinstance(f, hf.RstStreamFrame):
            return 'rst %d' % f.error_code
        if 'END_STREAM' in f.flags:
            return '%s %s' % (status, body.decode(errors='replace'))


def answers(r, n):
    """The first answers of n streams: status, or 'rst<code>' for a reset;
    fewer when the connection ends first (said on a line of its own)."""
    got = {}
    while len(got) < n:
        f = r.next()
        if f is None:
            say('end', r.eof)
            break
        if isinstance(f, hf.HeadersFrame):
            got[f.stream_id] = r.status(f)
        elif isinstance(f, hf.RstStreamFrame):
            got[f.stream_id] = 'rst%d' % f.error_code
        elif isinstance(f, hf.GoAwayFrame):
            say('goaway', f.last_stream_id, f.error_code)
    return got


def until_end(r):
    """Reads to the end of the connection: its GOAWAY (if any) and how it ended."""
    goaway = None
    while True:
        f = r.next()
        if f is None:
            break
        if isinstance(f, hf.GoAwayFrame):
            goaway = (f.last_stream_id, f.error_code)
    if goaway:
        say('goaway', goaway[0], goaway[1])
    say('end', r.eof, ms())


def flood(s, blob, count):
    """Sends blob (one frame) count times without reading; how many went."""
    batch = blob * 256
    sent = 0
    try:
        while sent < count:
            s.sendall(batch)
            sent += 256
    except (BrokenPipeError, ConnectionResetError):
        say('send-failed', sent, ms())
    except socket.timeout:
        say('send-blocked', sent, ms())
    return sent


# ---- the cases ------------------------------------------------------------


def case_streams():
    """arg streams on /hold before acknowledging the server's SETTINGS."""
    enc = hpack.Encoder()
    s = connect()
    r = Reader(s, ack=False)
    f = r.next()
    assert isinstance(f, hf.SettingsFrame), f
    say('settings', ' '.join('%d=%d' % kv for kv in sorted(f.settings.items())))
    s.sendall(b''.join(get(enc, 2 * i + 1, '/hold') for i in range(arg)))
    refused, other, done = [], [], 0
    while done < arg - len(refused):
        f = r.next()
        if f is None:
            say('end', r.eof)
            return
        if isinstance(f, hf.RstStreamFrame):
            (refused if f.error_code == 7 else other).append(f.stream_id)
            if len(refused) + len(other) == arg - 100:
                say('refused', len(refused), min(refused or [0]), 'other', len(other))
        elif 'END_STREAM' in f.flags:
            done += 1
    say('done', done)


def case_streams_acked():
    """The same after acknowledging: one stream too many is a protocol error."""
    enc = hpack.Encoder()
    s = connect()
    r = Reader(s)
    while not isinstance(r.next(), hf.SettingsFrame):
        pass
    # Our SETTINGS acknowledged by the server means it read the ACK before.
    s.sendall(hf.PingFrame(0, opaque_data=b'synchron').serialize())
    while not isinstance(r.next(), hf.PingFrame):
        pass
    s.sendall(b''.join(get(enc, 2 * i + 1, '/hold') for i in range(arg)))
    until_end(r)


def case_fields():
    """Heads too large for a 4 KiB pool on streams 1 (a field), 3 (the
    path) and 7 (many fields), an ordinary one on 5 between them."""
    enc = hpack.Encoder()
    s = connect()
    r = Reader(s)
    s.sendall(get(enc, 1, '/', [('x-big', 'v' * 5000)]) + get(enc, 3, '/' + 'p' * 5000) +
              get(enc, 5) + get(enc, 7, '/', [('x-f%d' % i, 'v' * 100) for i in range(60)]))
    got = answers(r, 4)
    say('statuses', got.get(1), got.get(3), got.get(5), got.get(7))


def case_bomb():
    """A 4000-byte value put into the server's HPACK table once, then a
    header block naming it arg times (one byte each)."""
    s = connect()
    r = Reader(s)
    enc = hpack.Encoder()
    # Stream 1 inserts the entry (literal with incremental indexing).
    s.sendall(get(enc, 1, '/', [('x-b', 'b' * 4000)]))
    # The entry is index 62 now (the encoder's state matches the server's).
    block = enc.encode([(':method', 'GET'), (':path', '/'), (':scheme', 'http'),
                        (':authority', 'x')])
    block += b'\xbe' * arg
    s.sendall(hf.HeadersFrame(3, block, flags=['END_HEADERS', 'END_STREAM']).serialize())
    got = answers(r, 2)
    say('statuses', got.get(1), got.get(3))
    say('after', serve_one(s, r, enc, 5))


def case_rapid():
    """arg HEADERS + RST_STREAM pairs, as fast as the socket takes them."""
    enc = hpack.Encoder()
    pairs = [get(enc, 2 * i + 1) + hf.RstStreamFrame(2 * i + 1, error_code=8).serialize()
             for i in range(arg)]
    s = connect()
    r = Reader(s)
    sent = 0
    try:
        for k in range(0, arg, 100):
            s.sendall(b''.join(pairs[k:k + 100]))
            sent = k + 100
    except (BrokenPipeError, ConnectionResetError):
        pass
    say('sent', min(sent, arg), ms())
    until_end(r)


def case_continuation():
    """HEADERS without END_HEADERS, then arg CONTINUATION frames."""
    s = connect()
    r = Reader(s)
    enc = hpack.Encoder()
    head = enc.encode([(':method', 'GET'), (':path', '/'), (':scheme', 'http'),
                       (':authority', 'x')])
    # Each CONTINUATION: a literal field without indexing, 'x-c: 0123456789'.
    frag = b'\x00\x03x-c\x0a0123456789'
    s.sendall(hf.HeadersFrame(1, head).serialize())
    n = flood(s, hf.ContinuationFrame(1, frag).serialize(), arg)
    say('sent', n, ms())
    until_end(r)


def case_flood():
    """arg PING, SETTINGS or WINDOW_UPDATE frames without reading a byte."""
    kind = sys.argv[4]
    blob = {'ping': hf.PingFrame(0, opaque_data=b'12345678').serialize(),
            'settings': hf.SettingsFrame(0, settings={4: 65535}).serialize(),
            'window': hf.WindowUpdateFrame(0, 1).serialize()}[kind]
    s = connect(timeout=15)
    n = flood(s, blob, arg)
    say('sent', n, ms())
    s.settimeout(15)
    until_end(Reader(s))


def case_settings_entries():
    """One SETTINGS frame with arg entries."""
    s = connect()
    f = hf.SettingsFrame(0)
    f.settings = {0x10 + i: 0 for i in range(arg)}  # unknown ids (hyperframe keeps 8 bits)
    s.sendall(f.serialize())
    until_end(Reader(s))


def case_zero_window():
    """SETTINGS_INITIAL_WINDOW_SIZE 0 and a GET of a large body: the
    client reads but never opens the window."""
    enc = hpack.Encoder()
    s = connect(settings={4: 0})
    r = Reader(s)
    s.sendall(get(enc, 1, '/big'))
    data = 0
    while True:
        f = r.next()
        if f is None:
            break
        if isinstance(f, hf.HeadersFrame):
            say('status', r.status(f), ms())
        elif isinstance(f, hf.DataFrame):
            data += len(f.data)
        elif isinstance(f, hf.GoAwayFrame):
            say('goaway', f.last_stream_id, f.error_code)
    say('data', data)
    say('end', r.eof, ms())


def case_sibling():
    """Streams 1 and 3 wait in the handler; then stream 5 comes without
    :path and stream 7 with an upper-case field name: both are reset (stream
    errors), and streams 1 and 3 are answered once the test lets them go.
    With "data" as third argument, stream 3 gets a DATA frame after its
    END_STREAM instead, which nghttp2 treats as a connection error."""
    enc = hpack.Encoder()
    s = connect()
    r = Reader(s)
    s.sendall(get(enc, 1, '/hold') + get(enc, 3, '/hold'))
    say('sent')
    sys.stdin.readline()  # the test has both streams in its handler
    if arg:
        s.sendall(hf.DataFrame(3, b'late', flags=['END_STREAM']).serialize())
        until_end(r)
        return
    block = enc.encode([(':method', 'GET'), (':scheme', 'http'), (':authority', 'x')])
    s.sendall(hf.HeadersFrame(5, block, flags=['END_HEADERS', 'END_STREAM']).serialize())
    block = enc.encode([(':method', 'GET'), (':path', '/'), (':scheme', 'http'),
                        (':authority', 'x')])
    block += b'\x00\x05X-Bad\x01v'  # literal, not indexed: the server's table stays
    s.sendall(hf.HeadersFrame(7, block, flags=['END_HEADERS', 'END_STREAM']).serialize())
    rst = {}
    while len(rst) < 2:
        f = r.next()
        if f is None:
            say('end', r.eof)
            return
        if isinstance(f, hf.RstStreamFrame):
            rst[f.stream_id] = f.error_code
        elif isinstance(f, hf.GoAwayFrame):
            say('goaway', f.last_stream_id, f.error_code)
    say('rst', rst.get(5), rst.get(7))
    sys.stdin.readline()  # streams 1 and 3 were resumed
    body, ended = {1: b'', 3: b''}, 0
    while ended < 2:
        f = r.next()
        if f is None:
            say('end', r.eof)
            return
        if isinstance(f, hf.DataFrame) and f.stream_id in body:
            body[f.stream_id] += f.data
        if f.stream_id in body and 'END_STREAM' in f.flags:
            ended += 1
    say('held', body[1].decode(), body[3].decode())
    say('stream9', serve_one(s, r, enc, 9))


def case_hup():
    """A GET the server's handler holds; meanwhile a PING and the end of
    the client's sending side, which reach the server together."""
    enc = hpack.Encoder()
    s = connect(timeout=5)
    r = Reader(s, ack=False)  # nothing may be sent after the shutdown
    s.sendall(get(enc, 1, '/block'))
    say('sent')
    sys.stdin.readline()  # the handler holds the server's thread
    s.sendall(hf.PingFrame(0, opaque_data=b'lastping').serialize())
    s.shutdown(socket.SHUT_WR)
    say('shut')
    until_end(r)


def case_conns():
    """Two connections with arg streams each, then a third connection."""
    conns = []
    for _ in range(2):
        enc = hpack.Encoder()
        s = connect()
        conns.append((s, Reader(s), enc))
    for i, (s, r, enc) in enumerate(conns):
        s.sendall(b''.join(get(enc, 2 * k + 1) for k in range(arg)))
        ok = 0
        while ok < arg:
            f = r.next()
            if f is None:
                break
            if isinstance(f, hf.DataFrame) and 'END_STREAM' in f.flags:
                ok += 1
        say('conn%d' % (i + 1), ok)
    enc = hpack.Encoder()
    s3 = connect(timeout=0.5)
    r3 = Reader(s3)
    try:
        s3.sendall(get(enc, 1))
    except OSError:
        pass  # refused at once: the reading below says how
    f = r3.next()
    say('conn3', 'served' if f is not None else r3.eof)
    # The first two are still served.
    for i, (s, r, enc) in enumerate(conns):
        say('again%d' % (i + 1), serve_one(s, r, enc, 2 * arg + 1))
    conns[0][0].close()
    if r3.eof == 'timeout':
        # Waiting in the backlog: served once a slot is free.
        s3.settimeout(10)
        r3.eof = None
        f = r3.next()
        say('conn3-later', 'served' if f is not None else r3.eof)


globals()['case_' + case.replace('-', '_')]()
