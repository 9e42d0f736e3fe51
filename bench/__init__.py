"""fakeradar benchmarks: inference variants, the daemon end to end, extraction, training.

    python -m bench --out bench/results        (make bench)
    python -m bench --smoke --out /tmp/b       (tests/test_bench.py)
"""
