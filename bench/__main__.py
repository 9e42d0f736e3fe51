"""Run the benchmarks and write OUT/results.md, results.json, speedup.png, machine.json.

    python -m bench --out bench/results           # the full run (make bench), ~15 min
    python -m bench --smoke --out /tmp/bench      # tiny sizes, seconds (tests)
"""

from __future__ import annotations

import argparse
import gzip
import json
import time
from pathlib import Path

from bench import e2e, inference, machine, models, report, training_speed

ROOT = Path(__file__).resolve().parents[1]
SHAPES = [(seq, batch) for batch in (1, 8) for seq in (128, 256, 512)]
SMOKE_SHAPES = [(16, 1), (32, 2)]


def benchmark_pages(bench_dir: Path, limit: int | None) -> list[tuple[str, str]]:
    truth = json.loads((bench_dir / "ground-truth.json").read_text(encoding="utf-8"))
    pages = []
    for page_id, item in sorted(truth.items())[:limit]:
        raw = gzip.decompress((bench_dir / "html" / f"{page_id}.html.gz").read_bytes())
        pages.append((raw.decode("utf-8", errors="replace"), item["url"]))
    return pages


def with_files(results: dict, model_dir: Path) -> dict:
    from bench.worker import needed_file

    sizes = models.file_sizes_mb(model_dir)
    for name, r in results.items():
        file = needed_file(name)
        r["file"] = f"{file} {sizes.get(file, '?')} MB"
    return results


def run(args: argparse.Namespace) -> dict:
    shapes, rounds = (SMOKE_SHAPES, 2) if args.smoke else (SHAPES, args.rounds)
    results = {"created_at": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "rounds": rounds,
               "machine": machine.machine(), "smoke": args.smoke}
    parts = set(args.parts.split(","))
    variants = args.variants.split(",") if args.variants else None
    if "inference" in parts:
        mobile = models.build_mobilebert_dir(args.work / ("tiny" if args.smoke else "full"),
                                             tiny=args.smoke)
        results["mobilebert"] = with_files(
            inference.run_interleaved(mobile, shapes, rounds, variants), mobile)
    if "default" in parts and (args.model / "model.int8.onnx").is_file():
        results["default"] = with_files(
            inference.run_interleaved(args.model, shapes, rounds, variants), args.model)
    info = json.loads((args.model / "fakeradar.json").read_text(encoding="utf-8"))
    results["int8_accuracy_change"] = info.get("export", {}).get("int8_accuracy_change")
    pages = (benchmark_pages(args.pages, 3 if args.smoke else None)
             if args.pages.is_dir() else [])
    if "e2e" in parts and pages:
        results["e2e"] = e2e.run_daemon(args.model, pages, 6 if args.smoke else args.requests)
    if "extraction" in parts and pages and not args.smoke:
        from fakeradar.daemon.extract_bench import EXTRACTORS, measure_extraction

        results["extraction"] = {name: measure_extraction(args.pages, fn)
                                 for name, fn in EXTRACTORS.items()}
    if "training" in parts:
        results["training"] = [training_speed.examples_per_second(True, 3, 8, 128)]
        if not args.smoke:
            results["training"].append(training_speed.examples_per_second(False, 3, 8, 128))
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results")
    parser.add_argument("--model", type=Path, default=ROOT / "models" / "default")
    parser.add_argument("--pages", type=Path,
                        default=ROOT.parent / "shared" / "data" / "extraction_benchmark")
    parser.add_argument("--work", type=Path, default=ROOT / "runs" / "bench",
                        help="cache of the benchmark's MobileBERT model files")
    parser.add_argument("--parts", default="inference,default,e2e,extraction,training")
    parser.add_argument("--variants", default="", help="comma-separated subset (default: all)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, a few iterations")
    args = parser.parse_args(argv)
    results = run(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    (args.out / "machine.json").write_text(json.dumps(results["machine"], indent=2) + "\n")
    (args.out / "results.md").write_text(report.render(results), encoding="utf-8")
    report.chart(results, args.out / "speedup.png")
    print((args.out / "results.md").read_text(encoding="utf-8"))


if __name__ == "__main__":
    main()
