"""Greedy completions through `hearth serve`, 8 requests in flight, equal `hearth run --temp 0`
for the same prompts, on the shipped model and on stories260K from HEARTH_TEST_DATA.
usage: test_server_greedy.py HEARTH SHIPPED_MODEL"""
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(__file__))
from server_util import Server, data_model_or_skip  # noqa: E402

hearth, shipped = sys.argv[1:3]
models = [shipped, data_model_or_skip("stories260K.gguf")]
prompts = ["Once upon a time", "The little dog", "Lily and Tom went", "One day, a bird",
           "The sun was", "Mom said", "There was a big tree", "Ben had a red ball"]
N = 48
failures = 0
for model in models:
    expected = []
    for p in prompts:
        r = subprocess.run([hearth, "run", "-m", model, "-p", p, "-n", str(N), "--temp", "0", "-t", "2"],
                           capture_output=True, text=True, check=True)
        expected.append(r.stdout)
    s = Server(hearth, model, "--parallel", "8")
    try:
        got = [None] * len(prompts)

        def one(i):
            st, _, b = s.json("POST", "/v1/completions",
                              {"prompt": prompts[i], "max_tokens": N, "temperature": 0})
            got[i] = b["choices"][0]["text"] if st == 200 else f"HTTP {st}: {b}"

        threads = [threading.Thread(target=one, args=(i,)) for i in range(len(prompts))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for i, p in enumerate(prompts):
            # `hearth run` ends its output with a newline when the text does not.
            ok = got[i] == expected[i] or got[i] + "\n" == expected[i]
            print(("ok   " if ok else "FAIL ") + f"{os.path.basename(model)}: {p!r}")
            if not ok:
                print(f"  server: {got[i]!r}\n  run:    {expected[i]!r}")
                failures += 1
    finally:
        s.stop()
print(f"{failures} failures" if failures else "all passed")
sys.exit(1 if failures else 0)
