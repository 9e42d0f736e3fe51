"""Training throughput (examples/s) for a few AdamW steps at the tiny and full shape."""

from __future__ import annotations

import time


def examples_per_second(tiny: bool, steps: int, batch: int, seq: int) -> dict:
    import torch

    from bench.models import mobilebert
    from bench.worker import random_batch

    torch.manual_seed(0)
    model = mobilebert(tiny).train()
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-5)
    ids, mask = (torch.from_numpy(a) for a in random_batch(seq, batch))
    labels = torch.zeros(batch, dtype=torch.long)

    def step() -> None:
        loss = model(input_ids=ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()

    step()   # warm-up
    started = time.perf_counter()
    for _ in range(steps):
        step()
    seconds = time.perf_counter() - started
    return {"shape": "tiny" if tiny else "full MobileBERT", "batch": batch, "seq": seq,
            "steps": steps, "seconds_per_step": seconds / steps,
            "examples_per_s": steps * batch / seconds}
