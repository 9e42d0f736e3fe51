"""The model directory: the contract between training and the daemon (DESIGN.md).

`fakeradar.json` describes how to use the weights: labels, window size, chunking,
calibration temperature and decision thresholds. Import-light: no torch.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
LABELS = ["fake", "real"]  # id 0 = fake, 1 = real, as in the original notebook
MANIFEST = "fakeradar.json"
TOKENIZER_FILES = ["tokenizer.json", "vocab.txt", "tokenizer_config.json",
                   "special_tokens_map.json"]
ONNX_FP32 = "model.onnx"
ONNX_INT8 = "model.int8.onnx"
TORCH_WEIGHTS = "model.safetensors"
BUILD_HINT = ("build one with `make train` (or `fakeradar train ... && fakeradar export ...`), "
              "or rebuild the shipped model with `make default-model`")


class ModelDirError(Exception):
    """A model directory is missing, incomplete or corrupt."""


@dataclass
class Thresholds:
    # p_fake at or above `suspect` -> "suspect"; at or below `credible` -> "credible";
    # in between -> "uncertain". Defaults are wide on purpose: out-of-domain accuracy
    # is far below in-domain accuracy (shared/notes/generalization.md); training
    # writes the values it chose, with the reason, into the manifest.
    suspect: float = 0.75
    credible: float = 0.25


@dataclass
class Chunking:
    max_length: int = 512      # tokens per window, [CLS] and [SEP] included
    stride: int = 128          # tokens shared by two consecutive windows
    max_chunks: int = 8        # windows scored per document at most (the head first)


@dataclass
class ModelInfo:
    name: str
    base_model: str
    labels: list[str] = field(default_factory=lambda: list(LABELS))
    chunking: Chunking = field(default_factory=Chunking)
    thresholds: Thresholds = field(default_factory=Thresholds)
    temperature: float = 1.0
    thresholds_reason: str = ""
    training: dict[str, Any] = field(default_factory=dict)   # data, sizes, recipe, time
    metrics: dict[str, Any] = field(default_factory=dict)    # in-domain, cross-dataset
    export: dict[str, Any] = field(default_factory=dict)     # parity, sizes, int8 delta
    format_version: int = FORMAT_VERSION
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    code_version: str = field(default_factory=lambda: _code_version())

    @property
    def max_length(self) -> int:
        return self.chunking.max_length

    def training_data_dir(self) -> Path | None:
        """The data folder (written by `fakeradar data`) behind this model, if it still exists.

        A retrained model was trained on a merged folder that is deleted afterwards, so the
        folder it was merged from comes first (same validation and test splits).
        """
        for recorded in (self.training.get("retrain", {}).get("data_dir"),
                         self.training.get("data_dir")):
            if recorded and Path(recorded, "train.csv").is_file():
                return Path(recorded)
        return None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["max_length"] = self.chunking.max_length
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ModelInfo:
        try:
            if data.get("format_version") != FORMAT_VERSION:
                raise ModelDirError(f"unsupported format_version {data.get('format_version')!r}"
                                    f" (this fakeradar reads {FORMAT_VERSION})")
            if data.get("labels") != LABELS:
                raise ModelDirError(f"labels must be {LABELS}, got {data.get('labels')!r}")
            known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
            known["chunking"] = Chunking(**data.get("chunking", {}))
            known["thresholds"] = Thresholds(**data.get("thresholds", {}))
            info = cls(**known)
        except (TypeError, AttributeError) as exc:
            raise ModelDirError(f"malformed {MANIFEST}: {exc}") from None
        if not 0.0 <= info.thresholds.credible < info.thresholds.suspect <= 1.0:
            raise ModelDirError(f"thresholds must satisfy 0 <= credible < suspect <= 1, "
                                f"got {info.thresholds}")
        if info.temperature <= 0:
            raise ModelDirError(f"temperature must be positive, got {info.temperature}")
        if not 0 <= info.chunking.stride < info.chunking.max_length - 2:
            raise ModelDirError(f"chunking stride must be below max_length - 2: {info.chunking}")
        return info


def _code_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("fakeradar")
    except PackageNotFoundError:
        return "unknown"


def read_info(model_dir: str | Path) -> ModelInfo:
    """Read and validate `fakeradar.json`; ModelDirError with a clear message otherwise."""
    path = Path(model_dir)
    if not path.is_dir():
        raise ModelDirError(f"model directory {path} does not exist; {BUILD_HINT}")
    manifest = path / MANIFEST
    if not manifest.is_file():
        raise ModelDirError(
            f"{path} has no {MANIFEST}, so it is not a fakeradar model; {BUILD_HINT}")
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelDirError(f"{manifest} is corrupt ({exc}); {BUILD_HINT}") from None
    if not isinstance(data, dict):
        raise ModelDirError(f"{manifest} is not a JSON object; {BUILD_HINT}")
    return ModelInfo.from_json(data)


def write_info(model_dir: str | Path, info: ModelInfo) -> Path:
    """Write `fakeradar.json` atomically (a reader never sees half a file)."""
    path = Path(model_dir) / MANIFEST
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(info.to_json(), indent=2, sort_keys=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return path


def check_model_dir(model_dir: str | Path, need: tuple[str, ...] = ()) -> ModelInfo:
    """Validate a model directory: manifest, tokenizer, and the weight files in `need`."""
    path = Path(model_dir)
    info = read_info(path)
    if not (path / "tokenizer.json").is_file():
        raise ModelDirError(f"{path} has no tokenizer.json; {BUILD_HINT}")
    missing = [name for name in need if not (path / name).is_file()]
    if missing:
        raise ModelDirError(f"{path} lacks {', '.join(missing)}; {BUILD_HINT}")
    return info
