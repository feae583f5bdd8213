#!/usr/bin/python3
# Writes the seed corpus of fuzz_h2 into fuzz/corpus/fuzz_h2/: valid frame
# sequences a client sends after the preface and its SETTINGS, each behind
# the control byte fuzz_h2.c reads (bit 0 daemon, bits 1-3 piece mode, bit
# 4 half-close). Run from the source tree with Debian's python3-h2:
#   /usr/bin/python3 fuzz/gen_h2_corpus.py
import os

import hpack
import hyperframe.frame as hf

enc = hpack.Encoder()


def headers(sid, method, path, end_stream=True, extra=()):
    block = enc.encode([(':method', method), (':path', path), (':scheme', 'http'),
                        (':authority', 'fuzz.example')] + list(extra))
    flags = ['END_HEADERS'] + (['END_STREAM'] if end_stream else [])
    return hf.HeadersFrame(sid, block, flags=flags).serialize()


def seeds():
    global enc
    yield 'get', 0x00, headers(1, 'GET', '/', extra=[('cookie', 'a=1'), ('cookie', 'b=2')])
    enc = hpack.Encoder()
    yield 'post', 0x03, (headers(1, 'POST', '/form', False, [('content-type', 'application/x-www-form-urlencoded')]) +
                         hf.DataFrame(1, b'a=1&b=').serialize() +
                         hf.DataFrame(1, b'2', flags=['END_STREAM']).serialize())
    enc = hpack.Encoder()
    head = headers(1, 'PUT', '/up', False)
    trailer = hf.HeadersFrame(1, enc.encode([('x-sum', '42')]),
                              flags=['END_HEADERS', 'END_STREAM']).serialize()
    yield 'trailers', 0x01, head + hf.DataFrame(1, b'body').serialize() + trailer
    enc = hpack.Encoder()
    yield 'control', 0x00, (hf.PingFrame(0, opaque_data=b'12345678').serialize() +
                            hf.SettingsFrame(0, settings={1: 4096, 4: 65535, 5: 16384}).serialize() +
                            hf.SettingsFrame(0, flags=['ACK']).serialize() +
                            hf.WindowUpdateFrame(0, 100000).serialize() +
                            headers(1, 'GET', '/chunked'))
    enc = hpack.Encoder()
    yield 'reset', 0x05, (headers(1, 'GET', '/chunked') + hf.RstStreamFrame(1, error_code=8).serialize() +
                          headers(3, 'GET', '/'))
    enc = hpack.Encoder()
    yield 'streams', 0x11, (headers(1, 'GET', '/') + headers(3, 'GET', '/chunked') +
                            headers(5, 'HEAD', '/empty') + headers(7, 'GET', '/missing?x=1') +
                            hf.WindowUpdateFrame(3, 1000).serialize() +
                            hf.PriorityFrame(5, depends_on=3, stream_weight=16).serialize())
    enc = hpack.Encoder()
    block = enc.encode([(':method', 'GET'), (':path', '/'), (':scheme', 'http'),
                        (':authority', 'fuzz.example'), ('user-agent', 'fuzz')])
    yield 'continuation', 0x02, (hf.HeadersFrame(1, block[:5], flags=['END_STREAM']).serialize() +
                                 hf.ContinuationFrame(1, block[5:9]).serialize() +
                                 hf.ContinuationFrame(1, block[9:], flags=['END_HEADERS']).serialize())
    enc = hpack.Encoder()
    yield 'goaway', 0x01, (headers(1, 'GET', '/') +
                           hf.GoAwayFrame(0, last_stream_id=0, error_code=0).serialize())


out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'corpus', 'fuzz_h2')
os.makedirs(out, exist_ok=True)
for name, ctl, frames in seeds():
    with open(os.path.join(out, name), 'wb') as f:
        f.write(bytes([ctl]) + frames)
