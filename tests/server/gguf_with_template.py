"""Writes a copy of a GGUF file whose tokenizer.chat_template is another one (the server tests
run a synthetic model with the chat template of another model family). Only the metadata is
re-encoded; tensor infos and data are copied byte for byte (GGUF v2/v3, little-endian).

usage: python3 gguf_with_template.py IN.gguf TEMPLATE.jinja OUT.gguf"""
import struct
import sys

SCALAR = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


class Reader:
    def __init__(self, data):
        self.data, self.pos = data, 0

    def take(self, n):
        out = self.data[self.pos:self.pos + n]
        if len(out) != n:
            raise ValueError("truncated GGUF")
        self.pos += n
        return out

    def u32(self):
        return struct.unpack("<I", self.take(4))[0]

    def u64(self):
        return struct.unpack("<Q", self.take(8))[0]

    def string(self):
        return self.take(self.u64())

    def skip_value(self, vtype):
        if vtype in SCALAR:
            self.take(SCALAR[vtype])
        elif vtype == 8:
            self.string()
        elif vtype == 9:
            etype, n = self.u32(), self.u64()
            for _ in range(n):
                self.skip_value(etype)
        else:
            raise ValueError(f"unknown GGUF value type {vtype}")


def main():
    src, tmpl_path, dst = sys.argv[1:4]
    data = open(src, "rb").read()
    template = open(tmpl_path, "rb").read()
    r = Reader(data)
    if r.take(4) != b"GGUF":
        raise ValueError("not a GGUF file")
    version, n_tensors, n_kv = r.u32(), r.u64(), r.u64()
    out = bytearray(b"GGUF" + struct.pack("<IQQ", version, n_tensors, n_kv))
    alignment, replaced = 32, False
    for _ in range(n_kv):
        start = r.pos
        key = r.string()
        vtype = r.u32()
        value_at = r.pos
        r.skip_value(vtype)
        if key == b"tokenizer.chat_template" and vtype == 8:
            out += struct.pack("<Q", len(key)) + key + struct.pack("<IQ", 8, len(template))
            out += template
            replaced = True
            continue
        if key == b"general.alignment" and vtype == 4:
            alignment = struct.unpack("<I", data[value_at:value_at + 4])[0]
        out += data[start:r.pos]
    if not replaced:
        raise ValueError("the file has no tokenizer.chat_template to replace")
    infos_at = r.pos
    for _ in range(n_tensors):
        r.string()
        n_dims = r.u32()
        r.take(8 * n_dims + 4 + 8)
    out += data[infos_at:r.pos]
    data_at = (r.pos + alignment - 1) // alignment * alignment
    out += b"\0" * ((-len(out)) % alignment)
    out += data[data_at:]
    with open(dst, "wb") as f:
        f.write(out)


if __name__ == "__main__":
    main()
