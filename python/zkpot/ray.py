"""Distributed proving on Ray: one Ray task per chunk of a test set.

    python -m zkpot.ray prove --model @digits --data @digits-full --chunk-size 200 [--address auto]

The driver makes the chunk plan and its keys once (``zkpot.setup(chunk_size=...)``), puts the
model, the data set and the keys in Ray's object store (or, with ``--keys DIR``, lets workers
read the keys from a path they share), and runs one task per chunk with its CPU and memory
needs declared. Ray retries a task whose worker died (``--max-retries``); a task that fails
for a reason of its own (unreadable keys, a data set that is not the plan's) fails once, with
its message. Each proved chunk is written to ``WORK/chunks/chunk-III.json`` as it arrives, so
a run that stops part-way is resumed by running the same command again: chunks already proved
are kept and not redone. At the end the chunks are assembled into ``WORK/bundle.json``, which
is verified before success is reported. With no ``--address`` a local Ray instance is started.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
import time
from typing import Any, Callable, Dict, List, Optional

import zkpot
from zkpot import ZkpotError

#: Memory declared per task: a base for the worker process, the KZG parameters and the keys,
#: plus a share per sample of the chunk. A worker proving chunks of 500 digits samples (k = 16)
#: peaked at 765 MiB (docs/distributed.md), so 512 + 1 x 500 leaves a third in reserve. Larger
#: circuits (larger models, k > 16) need more: pass ``memory_mib``.
BASE_MEMORY_MIB = 512
MEMORY_MIB_PER_SAMPLE = 1


def task_memory_mib(chunk_size: int) -> int:
    """The memory a task declares for chunks of ``chunk_size`` samples, in MiB."""
    return BASE_MEMORY_MIB + MEMORY_MIB_PER_SAMPLE * chunk_size


def _text(source: Any) -> str:
    """A model or data set as a value workers can use without the driver's files: bundled
    names stay names (every wheel has them), files and dicts become JSON text."""
    if isinstance(source, dict):
        return json.dumps(source)
    if isinstance(source, tuple):
        return json.dumps(zkpot.dataset(*source))
    s = os.fspath(source)
    if s.startswith("@") or s.lstrip().startswith("{"):
        return s
    with open(s) as f:
        return f.read()


def _key_files(keys: str, plan: dict) -> Dict[str, bytes]:
    names = ["plan.json"] + sorted({f"vk-{c['vk_digest']}.key" for c in plan["chunks"]})
    out = {}
    for n in names:
        with open(os.path.join(keys, n), "rb") as f:
            out[n] = f.read()
    return out


def _materialize(files: Dict[str, bytes]) -> str:
    """Writes keys shipped through the object store to a local directory named by their hash
    (once per node), and returns it."""
    h = hashlib.sha256()
    for n in sorted(files):
        h.update(n.encode())
        h.update(files[n])
    d = os.path.join(tempfile.gettempdir(), f"zkpot-ray-keys-{h.hexdigest()[:16]}")
    if not os.path.exists(os.path.join(d, "plan.json")):
        os.makedirs(d, exist_ok=True)
        for n, b in files.items():
            tmp = os.path.join(d, f"{n}.tmp{os.getpid()}")
            with open(tmp, "wb") as f:
                f.write(b)
            os.replace(tmp, os.path.join(d, n))
    return d


def _prove_chunk_task(model: str, data: str, opts: dict, keys: Any, index: int, hooks: Optional[dict]) -> dict:
    """The body of a chunk task (runs on a worker). Returns the chunk file's text, or the error
    message of a failure of its own (Ray retries only when the worker itself dies)."""
    started = time.time()
    if hooks and hooks.get("pid_dir"):
        with open(os.path.join(hooks["pid_dir"], f"chunk-{index}-{os.getpid()}-{time.time_ns()}.pid"), "w") as f:
            f.write(str(os.getpid()))
    # the prover's thread pool: as many threads as the CPUs the task declared (set before the
    # worker's first proof; a worker process keeps its pool)
    os.environ.setdefault("RAYON_NUM_THREADS", str(max(1, int(opts.get("cpus", 1)))))
    try:
        keys_dir = keys if isinstance(keys, str) else _materialize(keys)
        r = zkpot.prove_chunk(model, data, opts["chunk_size"], index, keys=keys_dir, samples=opts.get("samples"),
                              scale_bits=opts["scale_bits"], value_bits=opts["value_bits"], score=opts.get("score"), srs=opts.get("srs"))
    except ZkpotError as e:
        return {"index": index, "error": str(e)}
    try:
        import resource
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    except Exception:  # pragma: no cover - not Linux
        peak = None
    r.update(pid=os.getpid(), seconds=time.time() - started, peak_rss_mib=peak, node=os.uname().nodename)
    return r


def _chunk_path(work: str, i: int) -> str:
    return os.path.join(work, "chunks", f"chunk-{i:03d}.json")


def _kept(work: str, plan: dict) -> List[int]:
    """Chunks already proved by an earlier run of this plan (their files parse and name the
    plan's index and key); assembly checks their proofs."""
    kept = []
    for i, c in enumerate(plan["chunks"]):
        try:
            with open(_chunk_path(work, i)) as f:
                ch = json.load(f)
        except (OSError, ValueError):
            continue
        st = ch.get("statement", {})
        if (ch.get("index") == i and ch.get("vk_digest") == c["vk_digest"] and st.get("dataset_commitment") == c["dataset_commitment"]
                and st.get("model_commitment") == plan["model_commitment"]):
            kept.append(i)
    return kept


def prove_on_ray(model: Any, data: Any, chunk_size: int, work: str = "zkpot-ray", *, samples: Optional[int] = None, scale_bits: int = 8,
                 value_bits: int = 15, score: Optional[str] = None, address: Optional[str] = None, keys: Optional[str] = None,
                 srs: Optional[str] = None, cpus_per_task: float = 1, memory_mib: Optional[int] = None, max_retries: int = 3,
                 progress: Callable[[str], None] = lambda m: print(m, file=sys.stderr, flush=True), _hooks: Optional[dict] = None) -> dict:
    """Proves ``data`` in chunks of ``chunk_size`` on Ray, assembles and verifies the bundle.

    ``keys``: a directory every worker can read (shared file system) holding, or to hold, the
    plan and keys; without it they are made in ``WORK/keys`` and shipped through Ray's object
    store. Raises :class:`zkpot.ZkpotError` naming the failed chunks and how to resume."""
    import ray

    t0 = time.time()
    os.makedirs(os.path.join(work, "chunks"), exist_ok=True)
    keys_dir = keys or os.path.join(work, "keys")
    model_t, data_t = _text(model), _text(data)
    s = zkpot.setup(model_t, data_t, samples=samples, scale_bits=scale_bits, value_bits=value_bits, score=score, chunk_size=chunk_size,
                    keys=keys_dir, srs=srs)
    plan = s["plan"]
    m = len(plan["chunks"])
    progress(f"plan: {plan['samples']} samples in {m} chunks of {chunk_size}, keys {', '.join(d[:12] for d in sorted(set(c['vk_digest'] for c in plan['chunks'])))} "
             f"({'made' if s['made'] else 'kept'} in {keys_dir}, {s['keygen_seconds']:.1f} s)")
    kept = _kept(work, plan)
    todo = [i for i in range(m) if i not in kept]
    if kept:
        progress(f"resuming: {len(kept)} chunk(s) already proved in {os.path.join(work, 'chunks')} are kept: {kept}")
    started_ray = False
    t_init = time.time()
    if not ray.is_initialized():
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(include_dashboard=False, log_to_driver=False)
            started_ray = True
    t_ray = time.time()
    opts = {"cpus": cpus_per_task, "chunk_size": chunk_size, "samples": samples, "scale_bits": scale_bits, "value_bits": value_bits, "score": score, "srs": srs}
    mem = (memory_mib or task_memory_mib(chunk_size)) * 1024 * 1024
    task = ray.remote(_prove_chunk_task).options(num_cpus=cpus_per_task, memory=mem, max_retries=max_retries, retry_exceptions=False)
    model_ref, data_ref = ray.put(model_t), ray.put(data_t)
    keys_ref = keys_dir if keys else ray.put(_key_files(keys_dir, plan))
    pending = {task.remote(model_ref, data_ref, opts, keys_ref, i, _hooks): i for i in todo}
    progress(f"ray: {len(todo)} task(s), {cpus_per_task} CPU and {mem >> 20} MiB each, max_retries={max_retries}; cluster {ray.cluster_resources().get('CPU', 0):.0f} CPUs")
    results: Dict[int, dict] = {}
    failed: Dict[int, str] = {}
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        for ref in ready:
            i = pending.pop(ref)
            try:
                r = ray.get(ref)
            except Exception as e:  # the worker died more than max_retries times, or Ray failed
                failed[i] = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else e!r}"
                progress(f"chunk {i} FAILED: {failed[i]}")
                continue
            if "error" in r:
                failed[i] = r["error"]
                progress(f"chunk {i} FAILED: {r['error']}")
                continue
            tmp = _chunk_path(work, i) + ".tmp"
            with open(tmp, "w") as f:
                f.write(r.pop("chunk"))
            os.replace(tmp, _chunk_path(work, i))
            results[i] = r
            done = len(kept) + len(results)
            progress(f"[{done}/{m}] chunk {i}: S = {r['statement']['score']}/{r['statement']['samples']}, prove {r['prove_seconds']:.2f} s "
                     f"(key {r['key_seconds']:.2f} s) on {r['node']} pid {r['pid']}")
    t_tasks = time.time()
    if started_ray:
        ray.shutdown()
    if failed:
        lines = [f"chunk {i} failed: {msg}" for i, msg in sorted(failed.items())]
        raise ZkpotError("\n".join(lines) + f"\n{m - len(failed)} of {m} chunks are proved and kept in {os.path.join(work, 'chunks')}; "
                         "fix the cause and run the same command again: only the missing chunks are proved")
    files = [_chunk_path(work, i) for i in range(m)]
    out = os.path.join(work, "bundle.json")
    b = zkpot.bundle(files, keys_dir, chunk_size, out=out)
    # pinned to the keys this run made (or kept): the plan's digests, not whatever lies beside the bundle
    digests = sorted({c["vk_digest"] for c in plan["chunks"]})
    development = srs is None
    if development:
        progress("WARNING: the keys were made from the INSECURE development SRS (no --srs): anyone can forge a proof of any score "
                 "under them; this bundle is for local testing only. Use --srs CEREMONY_FILE for proofs that mean something (docs/trust.md).")
    v = zkpot.verify_bundle(out, vk_digest=digests, allow_insecure_dev=development)
    t_end = time.time()
    progress(f"bundle {out}: S/N = {v['score']}/{v['samples']} over {m} chunks, verified in {v['verify_ms']:.0f} ms")
    per_chunk = [results[i]["prove_seconds"] for i in sorted(results)]
    summary = {
        "result": "accept", "bundle": out, "score": v["score"], "samples": v["samples"], "chunks": m, "chunk_size": chunk_size,
        "model_commitment": b["model_commitment"], "dataset_commitment": b["dataset_commitment"],
        "vk_digests": digests, "development_keys": development, "proved": sorted(results), "kept": kept, "workers": sorted({(r["node"], r["pid"]) for r in results.values()}),
        "setup_seconds": t_ray - t0, "ray_init_seconds": t_ray - t_init, "tasks_seconds": t_tasks - t_ray, "assemble_verify_seconds": t_end - t_tasks, "wall_seconds": t_end - t0,
        "prove_seconds_per_chunk": per_chunk, "key_seconds_per_chunk": [results[i]["key_seconds"] for i in sorted(results)],
        "peak_rss_mib_per_worker": max((r["peak_rss_mib"] or 0) for r in results.values()) if results else None,
    }
    # also as a file: Ray's own daemons may print to the driver's stdout (an OOM kill notice, say)
    with open(os.path.join(work, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    return summary


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m zkpot.ray", description="Prove a test set in chunks on a Ray cluster (docs/distributed.md).")
    sub = p.add_subparsers(dest="command", required=True)
    q = sub.add_parser("prove", help="prove every chunk as a Ray task, assemble and verify the bundle")
    q.add_argument("--model", default="@digits", help="quantized or float model (file) or a bundled @name (default @digits)")
    q.add_argument("--data", default="@digits-test", help="test set (file) or a bundled @name, e.g. @digits-full")
    q.add_argument("--samples", type=int, help="only the first N samples")
    q.add_argument("--scale-bits", type=int, default=8)
    q.add_argument("--value-bits", type=int, default=15)
    q.add_argument("--score", help="top-1 (default) or top-K")
    q.add_argument("--chunk-size", type=int, required=True, help="samples per chunk (one Ray task each)")
    q.add_argument("--address", help="the Ray cluster (e.g. auto, or ray://head:10001); default: start a local Ray")
    q.add_argument("--work", default="zkpot-ray", help="directory of the chunk files and the bundle (default zkpot-ray)")
    q.add_argument("--keys", help="a keys directory every worker can read (shared path); default: WORK/keys, shipped via the object store")
    q.add_argument("--srs", help="KZG ceremony file (on every worker at this path); default: the INSECURE development SRS")
    q.add_argument("--cpus-per-task", type=float, default=1)
    q.add_argument("--memory-mib", type=int, help=f"memory per task (default {BASE_MEMORY_MIB} + {MEMORY_MIB_PER_SAMPLE} x chunk size)")
    q.add_argument("--max-retries", type=int, default=3, help="retries of a task whose worker died")
    a = p.parse_args(argv)
    try:
        r = prove_on_ray(a.model, a.data, a.chunk_size, a.work, samples=a.samples, scale_bits=a.scale_bits, value_bits=a.value_bits, score=a.score,
                         address=a.address, keys=a.keys, srs=a.srs, cpus_per_task=a.cpus_per_task, memory_mib=a.memory_mib, max_retries=a.max_retries)
    except ZkpotError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    print(json.dumps(r, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
