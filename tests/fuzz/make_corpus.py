"""Writes the seed corpus of the fuzz targets into tests/fuzz/corpus/<target>/ (kept in the
repository, so the fuzzers start from valid inputs even without ../shared).

Every seed is small (a few KB at most; the session files 15 KB) and made here from scratch:
tiny GGUF files with every metadata type and several tensor types, tiny Hugging Face (llama /
qwen2 / qwen3, F32 / BF16) and llama2.c checkpoints, chat templates, tokenizer strings, GBNF
grammars and JSON schemas, server request bodies, and sessions of the shipped model.
usage: make_corpus.py [HEARTH_CLI]  (the CLI writes the session seeds; without it they are left
as they are)
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")
SEP = b"\n#HEARTH-FILE#\n"  # fuzz_files.hpp's kFileSeparator


def put(target, name, data):
    d = os.path.join(CORPUS, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


def floats(n, seed=1):
    """Deterministic small values (a linear congruential sequence)."""
    out, x = [], seed
    for _ in range(n):
        x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        out.append((x / 0x7FFFFFFF - 0.5) * 0.2)
    return out


# --- GGUF ------------------------------------------------------------------------------------

def gguf_str(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gguf_value(kind, v):
    fmt = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q",
           12: "d"}
    if kind == 8:
        return gguf_str(v)
    if kind == 9:
        sub, items = v
        return struct.pack("<IQ", sub, len(items)) + b"".join(gguf_value(sub, i) for i in items)
    return struct.pack("<" + fmt[kind], v)


def gguf(kvs, tensors, alignment=32):
    """kvs: [(key, kind, value)]; tensors: [(name, dims, ggml_type, bytes)]."""
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for k, kind, v in kvs:
        out += gguf_str(k) + struct.pack("<I", kind) + gguf_value(kind, v)
    offset, blobs = 0, b""
    for name, dims, ttype, data in tensors:
        out += gguf_str(name) + struct.pack("<I", len(dims))
        out += b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", ttype, offset)
        pad = (-len(data)) % alignment
        blobs += data + b"\0" * pad
        offset += len(data) + pad
    out += b"\0" * ((-len(out)) % alignment)
    return out + blobs


def make_gguf():
    f32 = struct.pack("<8f", *floats(8))
    f16 = struct.pack("<8e", *floats(8, 2))
    q8_0 = struct.pack("<e", 0.01) + bytes(range(32))
    q4_k = bytes(range(144))
    q6_k = bytes((i * 7) & 0xFF for i in range(210))
    every_kind = [
        ("general.architecture", 8, "llama"), ("general.alignment", 4, 32),
        ("u8", 0, 7), ("i8", 1, -7), ("u16", 2, 700), ("i16", 3, -700), ("u32", 4, 70000),
        ("i32", 5, -70000), ("f32", 6, 0.5), ("bool", 7, True), ("str", 8, "h\u00e9llo"),
        ("u64", 10, 1 << 40), ("i64", 11, -(1 << 40)), ("f64", 12, 0.25),
        ("arr.i32", 9, (5, [1, 2, 3])), ("arr.str", 9, (8, ["a", "", "\u2581b"])),
        ("arr.nested", 9, (9, [(4, [1, 2]), (4, [])])),
    ]
    put("fuzz_gguf", "every-kind.gguf",
        gguf(every_kind, [("a.weight", [8], 0, f32), ("b.weight", [4, 2], 1, f16),
                          ("c.weight", [32], 8, q8_0), ("d.weight", [256], 12, q4_k),
                          ("e.weight", [256], 14, q6_k)]))
    put("fuzz_gguf", "empty.gguf", gguf([], []))
    put("fuzz_gguf", "align64.gguf",
        gguf([("general.alignment", 4, 64)], [("x", [8], 0, f32), ("y", [8], 0, f32)], 64))
    # A tiny llama with a tokenizer, the metadata hearth reads.
    tokens = ["<unk>", "<s>", "</s>", "\u2581a", "\u2581b", "a", "b", "<0x0A>"]
    kvs = [("general.architecture", 8, "llama"), ("llama.block_count", 4, 1),
           ("llama.embedding_length", 4, 8), ("llama.attention.head_count", 4, 2),
           ("llama.attention.head_count_kv", 4, 1), ("llama.feed_forward_length", 4, 16),
           ("llama.context_length", 4, 32), ("llama.rope.dimension_count", 4, 4),
           ("llama.attention.layer_norm_rms_epsilon", 6, 1e-5),
           ("tokenizer.ggml.model", 8, "llama"), ("tokenizer.ggml.tokens", 9, (8, tokens)),
           ("tokenizer.ggml.scores", 9, (6, [0.0, 0.0, 0.0, -1.0, -2.0, -3.0, -4.0, 0.0])),
           ("tokenizer.ggml.token_type", 9, (5, [2, 3, 3, 1, 1, 1, 1, 6])),
           ("tokenizer.ggml.bos_token_id", 4, 1), ("tokenizer.ggml.eos_token_id", 4, 2)]
    put("fuzz_gguf", "tiny-llama.gguf",
        gguf(kvs, [("token_embd.weight", [8, 8], 0, struct.pack("<64f", *floats(64))),
                   ("output_norm.weight", [8], 0, f32)]))


# --- Hugging Face checkpoints ------------------------------------------------------------------

def bf16(values):
    return b"".join(struct.pack("<f", v)[2:] for v in values)


def safetensors(tensors, dtype):
    """tensors: [(name, shape)] filled with small values."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, b"", 0
    for i, (name, shape) in enumerate(tensors):
        n = 1
        for d in shape:
            n *= d
        vals = floats(n, i + 3)
        data = struct.pack(f"<{n}f", *vals) if dtype == "F32" else bf16(vals)
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(data)]}
        blobs += data
        offset += len(data)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((-len(h)) % 8)
    return struct.pack("<Q", len(h)) + h + blobs


def hf_checkpoint(arch, dtype, tied):
    hidden, inter, heads, kv, vocab, head_dim = 8, 16, 2, 1, 16, 4
    names = {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM", "qwen3": "Qwen3ForCausalLM"}
    config = {"architectures": [names[arch]], "model_type": arch, "hidden_size": hidden,
              "intermediate_size": inter, "num_attention_heads": heads,
              "num_key_value_heads": kv, "num_hidden_layers": 1, "vocab_size": vocab,
              "max_position_embeddings": 64, "rms_norm_eps": 1e-6, "rope_theta": 10000.0,
              "tie_word_embeddings": tied, "bos_token_id": 1, "eos_token_id": 2,
              "torch_dtype": "float32" if dtype == "F32" else "bfloat16"}
    if arch == "qwen3":
        config["head_dim"] = head_dim
    p = "model.layers.0."
    t = [("model.embed_tokens.weight", [vocab, hidden]), ("model.norm.weight", [hidden]),
         (p + "input_layernorm.weight", [hidden]), (p + "post_attention_layernorm.weight", [hidden]),
         (p + "self_attn.q_proj.weight", [heads * head_dim, hidden]),
         (p + "self_attn.k_proj.weight", [kv * head_dim, hidden]),
         (p + "self_attn.v_proj.weight", [kv * head_dim, hidden]),
         (p + "self_attn.o_proj.weight", [hidden, heads * head_dim]),
         (p + "mlp.gate_proj.weight", [inter, hidden]), (p + "mlp.up_proj.weight", [inter, hidden]),
         (p + "mlp.down_proj.weight", [hidden, inter])]
    if not tied:
        t.append(("lm_head.weight", [vocab, hidden]))
    if arch == "qwen2":
        t += [(p + f"self_attn.{x}_proj.bias", [n]) for x, n in
              (("q", heads * head_dim), ("k", kv * head_dim), ("v", kv * head_dim))]
    if arch == "qwen3":
        t += [(p + "self_attn.q_norm.weight", [head_dim]), (p + "self_attn.k_norm.weight", [head_dim])]
    vocab_map = {"<unk>": 0, "<s>": 1, "</s>": 2}
    for i, s in enumerate(["a", "b", "c", "\u0120", "\u0120a", "ab", "bc", "abc", "\u010a", "d",
                           "e", "f", "g"]):
        vocab_map[s] = i + 3
    tokenizer = {"version": "1.0", "added_tokens": [
        {"id": 0, "content": "<unk>", "special": True}, {"id": 1, "content": "<s>", "special": True},
        {"id": 2, "content": "</s>", "special": True}],
        "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False},
        "decoder": {"type": "ByteLevel"},
        "model": {"type": "BPE", "vocab": vocab_map, "merges": ["a b", "\u0120 a", "ab c", ["b", "c"]]}}
    tok_config = {"bos_token": "<s>", "eos_token": {"content": "</s>"},
                  "chat_template": "{% for m in messages %}{{ m.role }}: {{ m.content }}\n{% endfor %}"}
    return SEP.join([json.dumps(config, indent=1).encode(), safetensors(t, dtype),
                     json.dumps(tokenizer).encode(), json.dumps(tok_config).encode()])


def make_hf():
    for arch, dtype, tied in (("llama", "F32", True), ("llama", "BF16", False),
                              ("qwen2", "F32", True), ("qwen3", "BF16", True)):
        put("fuzz_safetensors", f"{arch}-{dtype.lower()}-{'tied' if tied else 'untied'}",
            hf_checkpoint(arch, dtype, tied))
    # Regressions of the campaign's findings (docs/security.md): tokenizer.json fields missing
    # or of the wrong JSON type.
    for name, edit in (("no-vocab", lambda m: m.pop("vocab")),
                       ("type-not-string", lambda m: m.update(type=3)),
                       ("flag-not-bool", lambda m: m.update(byte_fallback="yes"))):
        parts = hf_checkpoint("llama", "F32", True).split(SEP)
        tok = json.loads(parts[2])
        edit(tok["model"])
        tok["added_tokens"][0]["special"] = 1
        parts[2] = json.dumps(tok).encode()
        put("fuzz_safetensors", "regress-" + name, SEP.join(parts))
    parts = hf_checkpoint("llama", "F32", True).split(SEP)
    config = json.loads(parts[0])
    config["rope_scaling"] = 5
    parts[0] = json.dumps(config).encode()
    put("fuzz_safetensors", "regress-rope-scaling-not-object", SEP.join(parts))


# --- llama2.c ----------------------------------------------------------------------------------

def llama2c(shared):
    dim, hidden, layers, heads, kv, vocab, seq = 8, 16, 1, 2, 2, 8, 4
    kv_dim, head = dim * kv // heads, dim // heads
    counts = [vocab * dim, layers * dim, layers * dim * dim, layers * kv_dim * dim,
              layers * kv_dim * dim, layers * dim * dim, layers * dim, layers * hidden * dim,
              layers * dim * hidden, layers * hidden * dim, dim, seq * head // 2, seq * head // 2]
    if not shared:
        counts.append(vocab * dim)
    n = sum(counts)
    header = struct.pack("<7i", dim, hidden, layers, heads, kv, vocab if shared else -vocab, seq)
    model = header + struct.pack(f"<{n}f", *floats(n, 5))
    tok = struct.pack("<i", 6)
    for i, s in enumerate([b"<unk>", b"\n<s>\n", b"\n</s>\n", b" a", b"b", b"<0x0A>", b"", b"ab"]):
        tok += struct.pack("<fi", -float(i), len(s)) + s
    return model + SEP + tok


def make_llama2c():
    put("fuzz_llama2c", "shared-classifier", llama2c(True))
    put("fuzz_llama2c", "own-classifier", llama2c(False))


# --- templates and tokenizer strings -----------------------------------------------------------

TEMPLATES = {
    "chatml.jinja": "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + "
                    "message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}"
                    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
    "llama2.jinja": "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') "
                    "!= (loop.index0 % 2 == 0) %}{{ raise_exception('roles must alternate') }}"
                    "{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + "
                    "message['content'] | trim + ' [/INST]' }}{% elif message['role'] == "
                    "'assistant' %}{{ ' ' + message['content'] | trim + ' ' + eos_token }}"
                    "{% endif %}{% endfor %}",
    "llama3.jinja": "{% set loop_messages = messages %}{% for message in loop_messages %}"
                    "{% set content = '<|start_header_id|>' + message['role'] + "
                    "'<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}"
                    "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}"
                    "{{ content }}{% endfor %}{% if add_generation_prompt %}"
                    "{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}",
    "features.jinja": "{%- macro show(x, sep=', ') -%}{{ x | join(sep) }}{%- endmacro -%}"
                      "{%- set ns = namespace(n=0, seen=[]) -%}"
                      "{%- for m in messages if m.role != 'tool' -%}"
                      "{%- set ns.n = ns.n + 1 -%}{{ loop.index }}/{{ loop.length }} "
                      "{{ m.role | upper }}={{ m.content[:10] | replace('a', 'b') | tojson }}"
                      "{%- if not loop.last %}; {% endif -%}{%- else -%}none{%- endfor -%}"
                      "{{ show([1, 2.5, 'x', none, true]) }} {{ ns.n is divisibleby 2 }}"
                      "{{ {'k': [1, 2], 'j': {'a': 1}} | tojson(indent=2) }}"
                      "{{ 'abc'.startswith('a') and 'X'.lower() in 'xyz' }}"
                      "{{ (messages | map(attribute='role') | list | length) ~ '' }}"
                      "{{ range(3) | sum }}{{ messages[-1]['content'].split(' ') | first }}"
                      "{% if strftime_now is defined %}{{ strftime_now('%Y-%m-%d') }}{% endif %}",
    "tools.jinja": "{%- if tools %}{% for t in tools %}{{ t | tojson }}{% endfor %}{% endif -%}"
                   "{%- for m in messages %}{% if m.tool_calls is defined %}"
                   "{% for c in m.tool_calls %}{{ c.function.name }}({{ c.function.arguments | "
                   "tojson }}){% endfor %}{% elif m.role == 'tool' %}<tool>{{ m.content }}"
                   "</tool>{% else %}{{ m.role }}: {{ m.content }}{% endif %}\n{% endfor %}",
    "whitespace.jinja": "  {%- for m in messages -%}\n  {{- m.content -}}\n  {% endfor %}\n"
                        "{# a comment #}{% raw %}{{ not a tag }}{% endraw %}",
    "errors.jinja": "{{ messages[0].nope.deeper }}{{ 1 / 0 }}{% for x in 5 %}{% endfor %}",
}

TOKENIZER_STRINGS = [
    "Hello world", " Hello world", "Hello World!", "  leading spaces", "tabs\tand\nnewlines\n\n",
    "caf\u00e9 na\u00efve \u00fcber", "\u4f60\u597d\uff0c\u4e16\u754c", "\U0001F600 emoji \U0001F680",
    "123 4567 89.01 1,000,000", "don't I'll we've you're", "<s>special</s> <|im_start|>",
    "[INST] hi [/INST]", "a\u0000b", "\xff\xfe invalid utf8", "```python\nprint(1)\n```",
    "\u0410\u043b\u043b\u043e \u043c\u0438\u0440", "\u0645\u0631\u062d\u0628\u0627",
    "   ", "\r\n\r\n", "x" * 300,
]


def make_text_seeds():
    for name, text in TEMPLATES.items():
        put("fuzz_template", name, text.encode())
    for i, s in enumerate(TOKENIZER_STRINGS):
        b = s.encode("utf-8", "surrogateescape") if "\xff" not in s else b"\xff\xfe invalid utf8"
        for mode in (0, 1, 6):  # BPE / SPM; with parse_special and add_special
            put("fuzz_tokenizer", f"s{i:02}-m{mode}", bytes([mode]) + b)


SCHEMAS = [
    {"type": "object", "properties": {"name": {"type": "string", "maxLength": 8},
                                      "age": {"type": "integer", "minimum": 0}},
     "required": ["name"], "additionalProperties": False},
    {"type": "array", "items": {"enum": ["a", "b", 3, None]}, "minItems": 1, "maxItems": 3},
    {"anyOf": [{"type": "number"}, {"type": "boolean"}, {"$ref": "#/$defs/x"}],
     "$defs": {"x": {"type": "string", "pattern": "^[a-z]+$"}}},
]

REQUESTS = [
    {"model": "m", "messages": [{"role": "system", "content": "Be brief."},
                                {"role": "user", "content": "Hi"}],
     "max_tokens": 16, "temperature": 0.7, "top_p": 0.9, "stop": ["\n"], "seed": 1,
     "stream": True, "response_format": {"type": "json_object"}},
    {"model": "m", "prompt": "Once upon", "max_tokens": 8, "top_k": 40, "min_p": 0.05,
     "repeat_penalty": 1.1, "logprobs": 2, "n": 1, "stop": "x"},
    {"messages": [{"role": "user", "content": [{"type": "text", "text": "a"}]}],
     "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}]},
]


def make_grammar_and_server_seeds():
    gdir = os.path.join(ROOT, "tests", "data", "grammars")
    for name in sorted(os.listdir(gdir)):
        if name.endswith(".gbnf"):
            with open(os.path.join(gdir, name), "rb") as f:
                put("fuzz_grammar", name, b"\x00" + f.read())
    for i, schema in enumerate(SCHEMAS):
        put("fuzz_grammar", f"schema{i}.json", b"\x01" + json.dumps(schema).encode())
    for i, body in enumerate(REQUESTS):
        put("fuzz_server_request", f"request{i}.json", json.dumps(body).encode())


# --- session files -----------------------------------------------------------------------------

def session_strings(data, at, n):
    """n length-prefixed strings from data[at:]: (list, position after them)."""
    out = []
    for _ in range(n):
        length = struct.unpack_from("<Q", data, at)[0]
        out.append(data[at + 8:at + 8 + length])
        at += 8 + length
    return out, at


def session_body(messages, rest):
    """A session body (format version from the number of strings per message) before the rest."""
    out = struct.pack("<I", len(messages))
    for m in messages:
        for field in m:
            out += struct.pack("<Q", len(field)) + field
    return out + rest


def make_sessions(cli):
    """Saves real sessions of the shipped model with the CLI; seeds are their bodies (first
    byte 0x02: version 2, the format the CLI writes; 0x00: version 1, the same session without
    the tool-call fields) and whole files (0x01). One more body holds a tool-calling turn."""
    model = os.path.join(ROOT, "models", "TinyStories-656K-Q8_0.gguf")
    tmp = tempfile.mkdtemp()
    try:
        for name, turns in (("one-turn", ["Hi"]), ("empty", [])):
            path = os.path.join(tmp, name + ".session")
            script = "".join(t + "\n" for t in turns) + f"/save {path}\n/quit\n"
            subprocess.run([cli, "chat", "-m", model, "-n", "1", "-t", "1"],
                           input=script.encode(), capture_output=True, check=True, timeout=120)
            with open(path, "rb") as f:
                data = f.read()
            assert struct.unpack_from("<I", data, 8)[0] == 2
            arch_len = struct.unpack_from("<Q", data, 12)[0]
            header = 12 + 8 + arch_len + 4 * 3 + 8 + 8
            body = data[header:-8]
            put("fuzz_session", name + "-body", b"\x02" + body)
            put("fuzz_session", name + "-file", b"\x01" + data)
            n = struct.unpack_from("<I", body, 0)[0]
            messages, at = [], 4
            for _ in range(n):
                m, at = session_strings(body, at, 5)
                messages.append(m)
            rest = body[at:]
            put("fuzz_session", name + "-v1-body",
                b"\x00" + session_body([m[:2] for m in messages], rest))
            if name == "one-turn":
                calls = (b'[{"id": "call_1", "type": "function", "function": {"name": "add", '
                         b'"arguments": {"a": 2, "b": 3}}}]')
                tools = messages + [[b"assistant", b"", calls, b"", b""],
                                    [b"tool", b"5", b"", b"call_1", b"add"]]
                put("fuzz_session", "tool-calls-body", b"\x02" + session_body(tools, rest))
    finally:
        shutil.rmtree(tmp)


def main():
    for target in ("fuzz_gguf", "fuzz_safetensors", "fuzz_llama2c", "fuzz_template",
                   "fuzz_tokenizer", "fuzz_grammar", "fuzz_server_request"):
        shutil.rmtree(os.path.join(CORPUS, target), ignore_errors=True)
    make_gguf()
    make_hf()
    make_llama2c()
    make_text_seeds()
    make_grammar_and_server_seeds()
    if len(sys.argv) > 1:
        shutil.rmtree(os.path.join(CORPUS, "fuzz_session"), ignore_errors=True)
        make_sessions(sys.argv[1])


if __name__ == "__main__":
    main()
