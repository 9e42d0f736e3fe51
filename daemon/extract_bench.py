"""Extraction quality on the article-extraction benchmark (shared/data/extraction_benchmark).

Metric (shared/notes/extraction.md): per page, bag-of-tokens precision/recall/F1 of the
extracted body against the ground-truth `articleBody` (lowercase whitespace tokens,
multiset overlap; an empty extraction scores 0), then the mean over pages.

    python -m fakeradar.daemon.extract_bench ../shared/data/extraction_benchmark
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

from fakeradar.daemon import extract

# name -> function(html, url) -> extracted body text
EXTRACTORS: dict[str, Callable[[str, str], str]] = {
    "trafilatura (daemon path)": lambda html, url: extract.extract_article(html, url).body,
    "beautifulsoup fallback":
        lambda html, url: extract.paragraphs_with_beautifulsoup(html, url).body,
}


def benchmark_pages(bench_dir: Path) -> Iterator[tuple[str, str, str, str]]:
    """(page id, html, url, ground-truth body) for every page of the benchmark."""
    truth = json.loads((bench_dir / "ground-truth.json").read_text(encoding="utf-8"))
    for page_id, item in sorted(truth.items()):
        raw = gzip.decompress((bench_dir / "html" / f"{page_id}.html.gz").read_bytes())
        yield page_id, raw.decode("utf-8", errors="replace"), item["url"], item["articleBody"]


def token_prf(extracted: str, truth: str) -> tuple[float, float, float]:
    """Bag-of-tokens precision, recall and F1 of one extraction."""
    got, want = Counter(extracted.lower().split()), Counter(truth.lower().split())
    overlap = sum((got & want).values())
    if not overlap:
        return 0.0, 0.0, 0.0
    precision, recall = overlap / sum(got.values()), overlap / sum(want.values())
    return precision, recall, 2 * precision * recall / (precision + recall)


def measure_extraction(bench_dir: Path, extractor: Callable[[str, str], str]) -> dict:
    """Mean P/R/F1, share of pages with F1 >= 0.9 and median ms per page for one extractor."""
    scores, millis = [], []
    for _, html, url, truth in benchmark_pages(bench_dir):
        started = time.perf_counter()
        body = extractor(html, url)
        millis.append((time.perf_counter() - started) * 1000)
        scores.append(token_prf(body, truth))
    precision, recall, f1 = (statistics.fmean(column) for column in zip(*scores, strict=True))
    return {"pages": len(scores), "precision": precision, "recall": recall, "f1": f1,
            "f1_at_least_0.9": sum(s[2] >= 0.9 for s in scores) / len(scores),
            "median_ms": statistics.median(millis)}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bench_dir", type=Path, nargs="?",
                        default=Path(__file__).resolve().parents[2] / "shared/data/"
                        "extraction_benchmark")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args(argv)
    results = {name: measure_extraction(args.bench_dir, fn) for name, fn in EXTRACTORS.items()}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print("| extractor | P | R | F1 | pages F1>=0.9 | ms/page (median) |\n| --- | --- | --- | --- "
          "| --- | --- |")
    for name, r in results.items():
        print(f"| {name} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | "
              f"{r['f1_at_least_0.9']:.3f} | {r['median_ms']:.0f} |")


if __name__ == "__main__":
    main()
