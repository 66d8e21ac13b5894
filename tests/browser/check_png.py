"""Checks a PNG screenshot is not blank: decodes it with the standard library
only (8-bit RGB/RGBA, non-interlaced, as Chromium writes) and counts distinct
colours and non-white pixels. Usage: check_png.py FILE MIN_COLOURS MIN_INK_SHARE"""
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, width = 8, b"", 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0, "unsupported PNG layout"
            channels = 3 if colour == 2 else 4
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b = prev[i]
            c = prev[i - channels] if i >= channels else 0
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
        rows.append(bytes(line))
        prev = line
    return width, height, channels, rows


def main():
    path, min_colours, min_ink = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    width, height, channels, rows = pixels(path)
    colours, ink, total = set(), 0, 0
    for row in rows:
        for x in range(0, len(row), channels):
            rgb = row[x:x + 3]
            colours.add(rgb)
            total += 1
            if rgb != b"\xff\xff\xff":
                ink += 1
    share = ink / total
    print(f"{path}: {width}x{height}, {len(colours)} distinct colours, {100 * share:.1f}% non-white")
    if len(colours) < min_colours or share < min_ink:
        sys.exit(f"FAIL: the screenshot looks blank (need >= {min_colours} colours and >= {100 * min_ink:.0f}% ink)")


main()
