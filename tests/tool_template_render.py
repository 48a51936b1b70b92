"""The independent reference for tests/test_session_tools.cpp: renders a chat template with
Python's Jinja2 as Hugging Face transformers' apply_chat_template does (ImmutableSandboxedEnvironment,
trim_blocks, lstrip_blocks, loopcontrols, its tojson, raise_exception, strftime_now), with
`tools` and tool-call messages in Hugging Face's shape.

usage: python3 tool_template_render.py REQUEST.json   (prints the rendering to stdout)
REQUEST: {"template": path, "messages": [...], "tools": [...] or null, "bos_token", "eos_token",
          "add_generation_prompt"}. Exit 77: jinja2 is not installed."""
import json
import sys
from datetime import datetime, timezone

try:
    import jinja2
    import jinja2.ext
    from jinja2.sandbox import ImmutableSandboxedEnvironment
except ImportError:
    sys.exit(77)


def environment():
    def raise_exception(message):
        raise jinja2.exceptions.TemplateError(message)

    def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True,
                                        extensions=[jinja2.ext.loopcontrols])
    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    # hearth's sessions format the current time (UTC).
    env.globals["strftime_now"] = lambda fmt: datetime.now(timezone.utc).strftime(fmt)
    return env


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        req = json.load(f)
    with open(req["template"], encoding="utf-8", newline="") as f:
        source = f.read()
    kwargs = {"messages": req["messages"], "add_generation_prompt": req["add_generation_prompt"],
              "bos_token": req["bos_token"], "eos_token": req["eos_token"]}
    if req.get("tools") is not None:
        kwargs["tools"] = req["tools"]
    sys.stdout.write(environment().from_string(source).render(**kwargs))


if __name__ == "__main__":
    main()
