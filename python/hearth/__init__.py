"""hearth: local LLM inference on CPUs, through the stable C ABI (ctypes, no compiled extension).

    import hearth
    model = hearth.Model("model.gguf")
    print(model.architecture, model.vocab_size)
    chat = hearth.Chat(model, system="Be brief.")
    for piece in chat.send("Hi"):
        print(piece, end="")
"""
from ._lib import HearthError, lib, version, system_info
from .chat import Chat
from .chat_template import apply_chat_template
from .context import Context
from .engine import Engine, Request, RequestResult
from .kb import KnowledgeBase
from .model import Model
from .safety import ContentFilter

__all__ = ["Chat", "ContentFilter", "Context", "Engine", "HearthError", "KnowledgeBase", "Model", "Request", "RequestResult", "apply_chat_template", "lib", "version",
           "system_info"]
