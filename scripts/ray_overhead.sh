#!/usr/bin/env bash
# Ray's orchestration overhead against one process, same chunks, same run (docs/distributed.md):
#   1. `zkpot prove --chunk-size C` proves the chunks one after another in one process;
#   2. `python -m zkpot.ray prove --chunk-size C` proves the same chunks as Ray tasks on a local
#      Ray of as many CPUs as the machine, each task declaring all of them (one chunk at a time,
#      like the single process), so the difference is orchestration: Ray's start, the object
#      store, scheduling, proving keys rebuilt in the worker, assembly and the final verification.
# Both start from the same cached development SRS and make their keys afresh.
# Usage: scripts/ray_overhead.sh [N] [C]   (defaults: all 1,797 samples of @digits-full, C = 500)
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1797}"; C="${2:-500}"
PY=target/ci-venv/bin/python
W="$(mktemp -d /tmp/zkpot-overhead-XXXX)"
CPUS="$(nproc)"
export ZKPOT_CACHE="$W/cache"
echo "N = $N, C = $C, $CPUS CPUs, work $W; load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# the development SRS, cached for both runs
target/release/zkpot commit --data @digits-full --samples "$N" >/dev/null
target/release/zkpot setup --data @digits-full --samples 1 --vk "$W/warm.key" >/dev/null 2>&1
one() {
    rm -f "$ZKPOT_CACHE"/*.vk
    /usr/bin/time -v -o "$W/one.time" target/release/zkpot prove --data @digits-full --samples "$N" --chunk-size "$C" --bundle "$W/one/bundle.json" > "$W/one.json" 2> "$W/one.err"
}
on_ray() {
    rm -f "$ZKPOT_CACHE"/*.vk
    /usr/bin/time -v -o "$W/ray.time" "$PY" -m zkpot.ray prove --model @digits --data @digits-full --samples "$N" --chunk-size "$C" \
        --cpus-per-task "$CPUS" --work "$W/ray" > "$W/ray.json" 2> "$W/ray.err"
}
# RAY_FIRST=1 swaps the order, to see how much of the difference is the machine's load moving
if [ -n "${RAY_FIRST:-}" ]; then on_ray; one; else one; on_ray; fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
"$PY" - "$W" <<'PY'
import json, re, sys
w = sys.argv[1]
def wall(f):
    t = open(f).read()
    m = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", t)
    h, mi, s = m.groups()
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    return (int(h or 0) * 3600 + int(mi) * 60 + float(s)), rss
one, one_rss = wall(f"{w}/one.time")
ray, ray_rss = wall(f"{w}/ray.time")
o = json.load(open(f"{w}/one.json")); r = json.load(open(f"{w}/ray/summary.json"))
assert o["score"] == r["score"] and o["dataset_commitment"] == r["dataset_commitment"]
print(json.dumps({
    "chunks": r["chunks"], "chunk_size": r["chunk_size"], "samples": r["samples"], "score": r["score"],
    "one_process_wall_s": round(one, 2), "one_process_prove_s": round(o["prove_seconds"], 2), "one_process_keygen_s": round(o["keygen_seconds"], 2),
    "one_process_peak_rss_mib": round(one_rss),
    "ray_wall_s": round(ray, 2), "ray_setup_s": round(r["setup_seconds"], 2), "ray_init_s": round(r["ray_init_seconds"], 2), "ray_tasks_s": round(r["tasks_seconds"], 2),
    "ray_assemble_verify_s": round(r["assemble_verify_seconds"], 2), "ray_driver_peak_rss_mib": round(ray_rss),
    "ray_worker_peak_rss_mib": round(r["peak_rss_mib_per_worker"] or 0),
    "ray_prove_s_per_chunk": [round(x, 2) for x in r["prove_seconds_per_chunk"]], "ray_key_s_per_chunk": [round(x, 2) for x in r["key_seconds_per_chunk"]],
    "overhead_s": round(ray - one, 2), "overhead_pct": round(100 * (ray - one) / one, 1),
}, indent=1))
PY
