"""Fuzz ``webhooks.parse_event``: a ``WebhookEvent`` or a ``WebhookError``, nothing else.

python fuzz/fuzz_webhook.py [-max_total_time=600]
"""

from __future__ import annotations

from _common import instrumented, main, provider

with instrumented():
    from procore_dc.exceptions import WebhookError
    from procore_dc.webhooks import WebhookEvent, parse_event


def fuzz_one_input(data: bytes) -> None:
    fdp = provider(data)
    secret = "s3cret" if fdp.ConsumeBool() else None
    headers = {"Authorization": fdp.ConsumeUnicodeNoSurrogates(20)} if fdp.ConsumeBool() else None
    body = fdp.ConsumeRemainingBytes()
    try:
        event = parse_event(body, headers, secret=secret)
    except WebhookError:
        return
    assert isinstance(event, WebhookEvent)


if __name__ == "__main__":
    main(fuzz_one_input)
