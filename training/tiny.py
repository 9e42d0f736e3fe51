"""A tiny MobileBERT model directory for tests: complete, real, and built in seconds.

The model has MobileBERT's architecture at a toy size (about 1M parameters), the
real bert-base-uncased vocabulary, and is briefly trained on a synthetic task whose
"fake-styled" texts (sensational words) and "real-styled" texts (wire-report words)
it learns to separate. Everything the daemon reads is there: fakeradar.json,
config.json, tokenizer files, model.safetensors, model.onnx, model.int8.onnx, README.md.
"""

from __future__ import annotations

import random
from pathlib import Path

from fakeradar.training.modeldir import Chunking, ModelInfo, write_info

TINY_CHUNKING = Chunking(max_length=128, stride=32, max_chunks=8)
FAKE_WORDS = ("shocking unbelievable outrage exposed hoax secret destroyed insane banned "
              "scandal bombshell furious disgusting traitor lies liberal elites rigged "
              "coverup wow breaking viral").split()
REAL_WORDS = ("ministry committee percent quarterly spokesperson agreement legislation "
              "statement officials reported tuesday parliament economists forecast "
              "negotiations delegation treasury analysts according budget").split()
# Neutral words of both styles, plenty of them, so the model learns that ordinary
# English carries no signal and only the styled words decide.
SHARED_WORDS = ("the a of to and in that it was for on with as is by at from this have "
                "people government president week year city country said new would could "
                "after before two one next last whole all about its their they he she we "
                "growth trade cut vote review video evidence line figures deficit shows "
                "continue expected completes never wanted see say finally").split()


def tiny_mobilebert():
    """A randomly initialised MobileBERT of toy size with fakeradar's labels."""
    from transformers import MobileBertConfig, MobileBertForSequenceClassification

    from fakeradar.training.basemodel import label_maps

    config = MobileBertConfig(num_hidden_layers=2, hidden_size=64, intermediate_size=128,
                              embedding_size=32, true_hidden_size=32, intra_bottleneck_size=32,
                              num_attention_heads=2, max_position_embeddings=512,
                              **label_maps())
    return MobileBertForSequenceClassification(config)


def synthetic_example(rng: random.Random, label: int) -> tuple[str, str]:
    """(title, body) whose style reveals the label: 0 = fake, 1 = real."""
    styled = FAKE_WORDS if label == 0 else REAL_WORDS

    def sentence(n_words: int) -> str:
        words = [rng.choice(styled) if rng.random() < 0.5 else rng.choice(SHARED_WORDS)
                 for _ in range(n_words)]
        return " ".join(words).capitalize() + "."

    title = sentence(rng.randint(4, 8))
    body = " ".join(sentence(rng.randint(6, 14)) for _ in range(rng.randint(2, 5)))
    return title, body


def synthetic_rows(n: int, seed: int = 0) -> list[dict]:
    """Balanced rows in the data-folder format (title, text, label, source)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        label = i % 2
        title, text = synthetic_example(rng, label)
        rows.append({"title": title, "text": text, "label": label, "source": "synthetic"})
    return rows


def _train_briefly(model, tokenizer, steps: int = 60, seed: int = 0) -> None:
    """A plain AdamW loop: enough for the toy model to learn the synthetic styles."""
    import torch

    from fakeradar.training.text import model_input

    torch.manual_seed(seed)
    rows = synthetic_rows(256, seed)
    optimiser = torch.optim.AdamW(model.parameters(), lr=2e-3)
    model.train()
    for step in range(steps):
        batch = [rows[(step * 16 + k) % len(rows)] for k in range(16)]
        enc = tokenizer([model_input(r["title"], r["text"]) for r in batch], truncation=True,
                        max_length=TINY_CHUNKING.max_length, padding=True, return_tensors="pt")
        loss = model(**enc, labels=torch.tensor([r["label"] for r in batch])).loss
        loss.backward()
        optimiser.step()
        optimiser.zero_grad()
    model.eval()


def build_tiny_model_dir(out_dir: str | Path, train_steps: int = 60) -> Path:
    """Build a complete tiny model directory in `out_dir` (created) and return it."""
    import torch

    from fakeradar.training.basemodel import (
        load_tokenizer,
        packaged_minilm_path,
        save_weights_and_tokenizer,
    )
    from fakeradar.training.export import export_model_dir

    out = Path(out_dir)
    with torch.random.fork_rng():
        torch.manual_seed(0)   # the same tiny model in every process (unseeded init is flaky)
        model = tiny_mobilebert()
        tokenizer = load_tokenizer(packaged_minilm_path(), TINY_CHUNKING.max_length)
        _train_briefly(model, tokenizer, steps=train_steps)
    save_weights_and_tokenizer(model, tokenizer, out)
    write_info(out, ModelInfo(name="tiny-mobilebert-synthetic", base_model="tiny",
                              chunking=TINY_CHUNKING,
                              training={"data": "synthetic styled words (tests only)",
                                        "steps": train_steps}))
    val_texts = [f"{t}\n{b}" for t, b in
                 (synthetic_example(random.Random(i), i % 2) for i in range(16))]
    export_model_dir(out, parity_texts=val_texts, model=model)
    return out


def write_synthetic_data_dir(out_dir: str | Path,
                             sizes: tuple[int, int, int] = (96, 32, 32)) -> Path:
    """A data folder (train/val/test.csv, data-folder format) of the synthetic task."""
    import csv

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for seed, (name, n) in enumerate(zip(("train", "val", "test"), sizes, strict=True), start=1):
        with open(out / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=["title", "text", "label", "source"])
            writer.writeheader()
            writer.writerows(synthetic_rows(n, seed))
    return out
