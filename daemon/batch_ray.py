"""`fakeradar score-batch --engine ray`: the same scoring on a Ray cluster.

Ray Data holds the pending inputs, `map_batches` sends them to a pool of actors
(`concurrency=workers`), each of which builds the daemon's pipeline (and so loads the
ONNX model) once, then reads, fetches and scores its inputs with the same
`batch.score_item` as the local engine. The driver streams the records back and
writes them through the same results store, so the output, its resumability and its
records are the local engine's. Saved pages are read by the actors: on a multi-node
cluster the folder must be on a filesystem every node sees, and fakeradar must be
installed on every node.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import click

from fakeradar.daemon.batch import BatchItem, build_batch_pipeline, score_item

BATCH_SIZE = 8      # inputs per actor call: small, so results stream back steadily


class ScoreActor:
    """One Ray actor: the model loaded once, then batches of inputs scored one by one."""

    def __init__(self, settings: dict[str, Any]) -> None:
        self.pipeline = build_batch_pipeline(settings)

    def __call__(self, batch: dict) -> dict:
        items = [BatchItem(**json.loads(item)) for item in batch["item"]]
        return {"record": [json.dumps(score_item(self.pipeline, item), ensure_ascii=False)
                           for item in items]}


def run_ray(items: list[BatchItem], settings: dict[str, Any], results, workers: int,
            address: str | None, progress) -> None:
    """Score `items` on Ray with `workers` actors; records written as they stream back."""
    import ray

    if not items:
        return
    if not ray.is_initialized():
        ray.init(address=address, include_dashboard=False, log_to_driver=False)
    cpus = int(ray.cluster_resources().get("CPU", 0))
    if 0 < cpus < workers:   # an actor needs a CPU: more actors than CPUs would wait forever
        click.echo(f"--workers {workers}: the Ray cluster has {cpus} CPUs; "
                   f"using {cpus} actors", err=True)
        workers = cpus
    ray.data.DataContext.get_current().enable_progress_bars = False   # ours is the bar
    # one JSON string per input: optional fields stay None (Arrow would turn them into NaN)
    dataset = ray.data.from_items([{"item": json.dumps(asdict(item))} for item in items])
    scored = dataset.map_batches(ScoreActor, fn_constructor_kwargs={"settings": settings},
                                 batch_size=BATCH_SIZE, batch_format="numpy",
                                 concurrency=workers, num_cpus=1)
    for batch in scored.iter_batches(batch_size=None, batch_format="numpy"):
        for line in batch["record"]:
            results.write(json.loads(line))
            progress.update()
