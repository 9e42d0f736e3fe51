"""`score-batch --engine ray` on a local Ray instance: the same records as the local engine."""

from __future__ import annotations

import csv
import json

import pytest
from test_batch import article, invoke, records, write_pages

ray = pytest.importorskip("ray", reason="the Ray engine needs the `ray` extra")


@pytest.fixture(scope="module")
def local_ray():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def comparable(record: dict) -> dict:
    """A record without its timings (the only field that differs from run to run)."""
    return {k: v for k, v in record.items() if k != "timings_ms"}


def test_ray_engine_writes_the_local_engines_records(local_ray, tmp_path, tiny_model_dir):
    pages = write_pages(tmp_path / "pages", 12)
    texts = tmp_path / "texts.csv"
    with open(texts, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["title", "text"])
        writer.writeheader()
        writer.writerows({"title": t, "text": b} for t, b in map(article, range(20, 26)))
        writer.writerow({"title": "empty", "text": ""})
    for source in (pages, texts):
        local, on_ray = tmp_path / f"{source.name}.local.jsonl", tmp_path / f"{source.name}.ray"
        invoke(source, "--out", local, "--model", tiny_model_dir)
        result = invoke(source, "--out", on_ray, "--model", tiny_model_dir, "--engine", "ray",
                        "--workers", "2")
        assert result.exit_code == 0, result.output
        by_key = {r["key"]: comparable(r) for r in records(local)}
        ray_records = [comparable(r) for r in records(on_ray)]
        assert len(ray_records) == len(by_key)
        for record in ray_records:
            expected = by_key[record["key"]]
            if record.get("p_fake") is not None:
                assert record["p_fake"] == pytest.approx(expected["p_fake"], abs=1e-4)
                expected = {**expected, "p_fake": record["p_fake"]}
            assert record == expected
    assert {r["error"]["code"] for r in records(tmp_path / "texts.csv.ray")
            if r["status"] == "error"} == {"no_article"}


def test_ray_engine_parquet_output_and_resume(local_ray, tmp_path, tiny_model_dir):
    import pyarrow.parquet as pq

    pages = write_pages(tmp_path / "pages", 10)
    out = tmp_path / "out"
    first = sorted(pages.rglob("*.*"))[:4]
    subset = tmp_path / "subset"
    for path in first:                      # a first run over part of the inputs
        target = subset / path.relative_to(pages)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    invoke(subset, "--out", out, "--format", "parquet", "--model", tiny_model_dir,
           "--engine", "ray")
    result = invoke(pages, "--out", out, "--format", "parquet", "--model", tiny_model_dir,
                    "--engine", "ray", "--workers", "4")   # more actors than the 2 CPUs
    assert "4 inputs already in" in result.stderr and "6 to score" in result.stderr
    assert "the Ray cluster has 2 CPUs; using 2 actors" in result.stderr
    keys = pq.read_table(out).column("key").to_pylist()
    assert sorted(keys) == sorted(p.relative_to(pages).as_posix() for p in pages.rglob("*.*"))
    assert all(json.loads(r)["status"] == "ok" for r in pq.read_table(out).column("record")
               .to_pylist())
