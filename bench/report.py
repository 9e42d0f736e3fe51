"""results.md, the speed-up chart and the goals table, from the results dict."""

from __future__ import annotations

from pathlib import Path

GOAL_SPEEDUP = 2.5       # daemon inference path vs torch fp32 eager, MobileBERT 1 x 512
GOAL_SCORE_P50_MS = 300  # /v1/score p50, HTML mode, typical article
GOAL_INT8_POINTS = 0.5   # accuracy points int8 may cost on the default model's test split
DAEMON = "onnxruntime int8 (daemon path)"


def inference_table(results: dict) -> list[str]:
    lines = ["| variant | batch x seq | docs/s | p50 ms | p95 ms | speed-up vs baseline |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for name, r in results.items():
        for shape, s in r["shapes"].items():
            speedup = f"{s['speedup']:.2f}x" if "speedup" in s else "-"
            lines.append(f"| {name} | {shape} | {s['docs_per_s']:.1f} | {s['p50_ms']:.0f} | "
                         f"{s['p95_ms']:.0f} | {speedup} |")
    lines += ["", "| variant | peak RSS MB (own process) | load s | file |",
              "| --- | ---: | ---: | --- |"]
    lines += [f"| {name} | {r['peak_rss_mb']:.0f} | {r['load_s']:.2f} | {r.get('file', '-')} |"
              for name, r in results.items()]
    return lines


def goals(results: dict) -> list[dict]:
    """Each goal with its measured value and whether it is met."""
    rows = []
    daemon = results.get("mobilebert", {}).get(DAEMON, {}).get("shapes", {}).get("1x512", {})
    if "speedup" in daemon:
        rows.append({"goal": "daemon inference path vs torch fp32 eager, MobileBERT 1 x 512",
                     "target": f">= {GOAL_SPEEDUP}x", "measured": f"{daemon['speedup']:.2f}x",
                     "met": daemon["speedup"] >= GOAL_SPEEDUP,
                     "gap": f"{daemon['speedup'] / GOAL_SPEEDUP:.0%} of the goal"})
    e2e = results.get("e2e")
    if e2e:
        p50 = e2e["client_ms"]["p50"]
        rows.append({"goal": "/v1/score p50, HTML mode, benchmark pages", "target":
                     f"< {GOAL_SCORE_P50_MS} ms", "measured": f"{p50:.0f} ms",
                     "met": p50 < GOAL_SCORE_P50_MS,
                     "gap": f"{p50 - GOAL_SCORE_P50_MS:+.0f} ms"})
    change = results.get("int8_accuracy_change")
    if change is not None:
        points = -change * 100
        rows.append({"goal": "accuracy int8 costs on the default model's test split",
                     "target": f"<= {GOAL_INT8_POINTS} points", "measured": f"{points:.2f} points",
                     "met": points <= GOAL_INT8_POINTS,
                     "gap": f"{points - GOAL_INT8_POINTS:+.2f} points"})
    return rows


def e2e_lines(e2e: dict) -> list[str]:
    lines = [f"Cold start to first answer: {e2e['cold_start_s']:.1f} s. RSS idle "
             f"{e2e['rss_idle_mb']:.0f} MB, after {e2e['requests']} requests "
             f"{e2e['rss_after_mb']:.0f} MB. Uncached answers timed: {e2e['uncached']}; "
             f"verdicts {e2e['verdicts']}; HTTP errors {e2e['http_errors']}.", "",
             "| stage | p50 ms | p95 ms |", "| --- | ---: | ---: |",
             f"| client round trip | {e2e['client_ms']['p50']:.0f} | "
             f"{e2e['client_ms']['p95']:.0f} |"]
    lines += [f"| daemon {stage} | {v['p50']:.0f} | {v['p95']:.0f} |"
              for stage, v in e2e["daemon_ms"].items()]
    return lines


def render(results: dict) -> str:
    m = results["machine"]
    lines = ["# fakeradar benchmarks", "",
             f"Measured {results['created_at']} on {m['cpu']['model']} ({m['cpu']['logical_cores']}"
             f" logical cores; flags {', '.join(k for k, v in m['cpu']['flags'].items() if v)}),"
             f" Python {m['python']}, {', '.join(f'{k} {v}' for k, v in m['versions'].items())}."
             f" Load average at start {m['load_average']}: other processes share these cores, "
             "so read the ratios (interleaved, pairwise medians), not the milliseconds.", "",
             "## Goals", "", "| goal | target | measured | met | gap |",
             "| --- | --- | --- | --- | --- |"]
    lines += [f"| {g['goal']} | {g['target']} | {g['measured']} | {'yes' if g['met'] else 'NO'} "
              f"| {g['gap']} |" for g in goals(results)]
    for key, title in (("mobilebert", "MobileBERT, full shape (MobileBertConfig(), random "
                        "weights)"), ("default", "The shipped default model")):
        if results.get(key):
            lines += ["", f"## Inference: {title}", "",
                      f"{results['rounds']} interleaved rounds per shape; each variant in "
                      "its own process. The daemon path is the daemon's own OnnxScorer "
                      "(2 threads, spinning off). '2 x 1-thread sessions' splits a batch "
                      "across two sessions, so at batch 1 it is one 1-thread session.", "",
                      *inference_table(results[key])]
    if results.get("e2e"):
        lines += ["", "## End to end: `fakeradar serve`, default model, benchmark pages as "
                  "HTML", "", *e2e_lines(results["e2e"])]
    if results.get("extraction"):
        lines += ["", "## Extraction (extraction benchmark, bag-of-tokens P/R/F1)", "",
                  "| extractor | P | R | F1 | pages F1 >= 0.9 | ms/page (median) |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        lines += [f"| {n} | {r['precision']:.3f} | {r['recall']:.3f} | {r['f1']:.3f} | "
                  f"{r['f1_at_least_0.9']:.1%} | {r['median_ms']:.0f} |"
                  for n, r in results["extraction"].items()]
    if results.get("training"):
        lines += ["", "## Training throughput (CPU, AdamW, fp32)", "",
                  "| shape | batch x seq | s/step | examples/s |", "| --- | --- | ---: | ---: |"]
        lines += [f"| {r['shape']} | {r['batch']}x{r['seq']} | {r['seconds_per_step']:.2f} | "
                  f"{r['examples_per_s']:.1f} |" for r in results["training"]]
    lines += ["", "![speed-up chart](speedup.png)", ""]
    return "\n".join(lines)


def chart(results: dict, path: Path) -> None:
    """Grouped bars: speed-up vs torch fp32 eager per variant and shape (MobileBERT)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    data = results.get("mobilebert") or results.get("default") or {}
    shapes = list(next(iter(data.values()))["shapes"]) if data else []
    fig, ax = plt.subplots(figsize=(10, 4.5))
    width = 0.8 / max(1, len(data))
    for i, (name, r) in enumerate(data.items()):
        ax.bar([x + i * width for x in range(len(shapes))],
               [r["shapes"][s].get("speedup", 0) for s in shapes], width, label=name)
    ax.axhline(GOAL_SPEEDUP, color="black", linestyle="--", linewidth=1, label="goal (1 x 512)")
    ax.set_xticks([x + width * (len(data) - 1) / 2 for x in range(len(shapes))], shapes)
    ax.set_xlabel("batch x sequence length")
    ax.set_ylabel("speed-up vs torch fp32 eager")
    ax.set_title("MobileBERT full shape, CPU inference")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
