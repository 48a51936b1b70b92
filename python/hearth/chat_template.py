"""hearth.apply_chat_template: renders a conversation into prompt text with a Jinja chat template
(hearth's own interpreter behind hearth_chat_template_apply; see docs/templates.md).

    prompt = hearth.apply_chat_template(
        [{"role": "user", "content": "Hi"}], model=model, add_generation_prompt=True)
"""
import ctypes

from ._lib import ChatMessage, lib, read_text


def _utf8(text, what):
    if not isinstance(text, str):
        raise TypeError(f"{what} must be a str, not {type(text).__name__}")
    return text.encode("utf-8")  # lone surrogates raise UnicodeEncodeError (a ValueError)


def apply_chat_template(messages, template=None, model=None, add_generation_prompt=False,
                        bos=None, eos=None):
    """Returns the rendered prompt (str).

    messages: a list of {"role": str, "content": str} dicts. template: Jinja source; None uses
    model's tokenizer.chat_template (ChatML when the model has none). bos/eos: the bos_token and
    eos_token the template sees; None takes the model's token texts ("" without a model).
    Raises HearthError (status_name "TEMPLATE") when the template fails to parse or raises.
    """
    if template is None and model is None:
        raise ValueError("give a template or a model")
    items = []
    for i, message in enumerate(messages):
        try:
            role, content = message["role"], message["content"]
        except (KeyError, TypeError):
            raise TypeError(f"messages[{i}] must have 'role' and 'content'") from None
        items.append((_utf8(role, f"messages[{i}]['role']"),
                      _utf8(content, f"messages[{i}]['content']")))
    array = (ChatMessage * max(len(items), 1))(*[ChatMessage(r, c) for r, c in items])
    return read_text(lib.hearth_chat_template_apply,
                     model.handle if model is not None else None,
                     None if template is None else _utf8(template, "template"),
                     ctypes.cast(array, ctypes.POINTER(ChatMessage)), len(items),
                     1 if add_generation_prompt else 0,
                     None if bos is None else _utf8(bos, "bos"),
                     None if eos is None else _utf8(eos, "eos"))
