"""hearth: local LLM inference on CPUs, through the stable C ABI (ctypes, no compiled extension).

    import hearth
    model = hearth.Model("model.gguf")
    print(model.architecture, model.vocab_size)
"""
from ._lib import HearthError, lib, version, system_info
from .chat_template import apply_chat_template
from .context import Context
from .model import Model

__all__ = ["Context", "HearthError", "Model", "apply_chat_template", "lib", "version",
           "system_info"]
