#!/usr/bin/env python3
"""png_regions.py SHOT.png X Y W H [X Y W H ...]

Decodes a PNG (8-bit RGB or RGBA, not interlaced: what Chromium's
--screenshot writes) with the standard library only, and for each rectangle
prints "ok" or "BLANK" with its share of non-white pixels and of saturated
(coloured) pixels. A plot passes when at least 2 % of its pixels are not
white and at least 100 are coloured (plot lines and bars are; a broken
image's icon and alt text are not). Exit 1 if any rectangle fails.
"""
import struct
import sys
import zlib


def decode(path):
    data = open(path, 'rb').read()
    assert data[:8] == b'\x89PNG\r\n\x1a\n', 'not a PNG'
    pos, idat, w = 8, b'', 0
    while pos < len(data):
        n, kind = struct.unpack('>I4s', data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b'IHDR':
            w, h, depth, ctype, _, _, inter = struct.unpack('>IIBBBBB', body)
            assert depth == 8 and ctype in (2, 6) and not inter, 'unsupported PNG'
            bpp = 3 if ctype == 2 else 4
        elif kind == b'IDAT':
            idat += body
        pos += 12 + n
    raw, stride, rows, prev = zlib.decompress(idat), w * bpp, [], bytearray(w * bpp)
    for y in range(h):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return w, h, bpp, rows


def main():
    w, h, bpp, rows = decode(sys.argv[1])
    args, bad = list(map(int, sys.argv[2:])), 0
    for k in range(0, len(args), 4):
        x0, y0, rw, rh = args[k:k + 4]
        total = ink = colour = 0
        for y in range(y0, min(y0 + rh, h)):
            line = rows[y]
            for x in range(x0, min(x0 + rw, w)):
                r, g, b = line[x * bpp], line[x * bpp + 1], line[x * bpp + 2]
                total += 1
                ink += min(r, g, b) < 235
                colour += max(r, g, b) - min(r, g, b) > 60
        ok = total and ink >= 0.02 * total and colour >= 100
        bad += not ok
        print('%s region %d,%d %dx%d: %.1f %% ink, %d coloured pixels' %
              ('ok' if ok else 'BLANK', x0, y0, rw, rh, 100.0 * ink / max(total, 1), colour))
    return 1 if bad else 0


sys.exit(main())
