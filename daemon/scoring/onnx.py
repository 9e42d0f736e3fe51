"""The onnxruntime backend: CUDA when onnxruntime-gpu finds a GPU, else the CPU.

On the CPU it prefers model.int8.onnx (1.6x fp32 here, shared/notes/models-offline.md);
on a GPU model.onnx, since int8 dynamic quantisation has no CUDA kernels.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from fakeradar.daemon.scoring.base import Scorer
from fakeradar.training.modeldir import ONNX_FP32, ONNX_INT8, ModelDirError, ModelInfo

CUDA = "CUDAExecutionProvider"
# Two threads use both cores of a small laptop for one request; spinning off, because
# waiting threads that spin slow everything else down (4-5x under contention, notes).
DEFAULT_THREADS = min(os.cpu_count() or 1, 4)


class OnnxScorer(Scorer):
    backend = "onnxruntime"

    def __init__(self, model_dir: Path, info: ModelInfo, session, device: str) -> None:
        import onnxruntime as ort

        super().__init__(model_dir, info, device)
        self.session = session
        self.input_names = {i.name for i in session.get_inputs()}
        self.output_name = session.get_outputs()[0].name
        # Pages differ in length, so the CPU arena would keep the memory of the largest
        # batch ever seen; shrinking it after each run gives that back. 200 benchmark
        # pages through the daemon: 260-300 MB resident instead of 540 MB, p50 196-209 vs
        # 189-212 ms; with no arena at all, 257-289 MB but 8 x 512 batches peak at 650 MB.
        self.run_options = ort.RunOptions()
        self.run_options.add_run_config_entry("memory.enable_memory_arena_shrinkage", "cpu:0")

    @classmethod
    def load(cls, model_dir: Path, info: ModelInfo, threads: int | None = None) -> OnnxScorer:
        import onnxruntime as ort

        gpu = CUDA in ort.get_available_providers()
        path = _model_file(model_dir, gpu)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or DEFAULT_THREADS
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        providers = [CUDA, "CPUExecutionProvider"] if gpu else ["CPUExecutionProvider"]
        try:
            session = ort.InferenceSession(str(path), options, providers=providers)
        except Exception as exc:  # onnxruntime's pybind errors share no narrower base class
            raise ModelDirError(f"{path} cannot be loaded by onnxruntime ({exc}); "
                                "re-export it with `fakeradar export`") from None
        device = "cuda" if session.get_providers()[0] == CUDA else "cpu"
        return cls(model_dir, info, session, device)

    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        feed = {"input_ids": input_ids, "attention_mask": attention_mask}
        if "token_type_ids" in self.input_names:
            feed["token_type_ids"] = np.zeros_like(input_ids)
        return self.session.run([self.output_name], feed, self.run_options)[0]


def _model_file(model_dir: Path, gpu: bool) -> Path:
    """model.onnx on a GPU, model.int8.onnx on the CPU; the other one when it is missing."""
    order = [ONNX_FP32, ONNX_INT8] if gpu else [ONNX_INT8, ONNX_FP32]
    for name in order:
        if (model_dir / name).is_file():
            return model_dir / name
    raise ModelDirError(f"{model_dir} has no ONNX model; export one with `fakeradar export`")
