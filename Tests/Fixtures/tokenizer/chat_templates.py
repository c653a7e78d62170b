#!/usr/bin/env python3
"""Renders ChatTemplateTests' conversation with jinja2 from the Llama 3 Instruct and Llama 2 chat
templates (the Jinja strings of Meta's tokenizer_config.json files, written out below), in the
environment transformers' apply_chat_template uses (trim_blocks, lstrip_blocks). Writes chat_templates.json, which ChatTemplateTests checks
ChatTemplate.llama3 and .llama2 against.

    pip install jinja2
    python3 Tests/Fixtures/tokenizer/chat_templates.py
"""
import json
from pathlib import Path

import jinja2

HERE = Path(__file__).resolve().parent

LLAMA3 = ("{% set loop_messages = messages %}{% for message in loop_messages %}"
          "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'"
          "+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}"
          "{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}"
          "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}{% endif %}")

LLAMA2 = ("{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}"
          "{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}"
          "{% set system_message = false %}{% endif %}{% for message in loop_messages %}"
          "{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}"
          "{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}"
          "{% if loop.index0 == 0 and system_message != false %}"
          "{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}"
          "{% else %}{% set content = message['content'] %}{% endif %}"
          "{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}"
          "{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}")

CONVERSATION = [
    {"role": "system", "content": "Be brief."},
    {"role": "user", "content": " Hi there \n"},
    {"role": "assistant", "content": "Hello!"},
    {"role": "user", "content": "Bye"},
]


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def render(template, messages, add_generation_prompt, bos, eos):
    env = jinja2.Environment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    return env.from_string(template).render(messages=messages, add_generation_prompt=add_generation_prompt,
                                            bos_token=bos, eos_token=eos)


cases = [
    {"template": "llama3", "messages": CONVERSATION, "add_generation_prompt": True,
     "text": render(LLAMA3, CONVERSATION, True, "<|begin_of_text|>", "<|eot_id|>")},
    {"template": "llama2", "messages": CONVERSATION, "add_generation_prompt": True,
     "text": render(LLAMA2, CONVERSATION, True, "<s>", "</s>")},
    {"template": "llama2", "messages": CONVERSATION[1:3], "add_generation_prompt": True,
     "text": render(LLAMA2, CONVERSATION[1:3], True, "<s>", "</s>")},
]
(HERE / "chat_templates.json").write_text(json.dumps(cases, ensure_ascii=False, indent=1) + "\n")
for case in cases:
    print(json.dumps(case["text"]))
