"""Distributed proving on a local Ray instance: the bundle of a Ray run verifies; a worker
killed in the middle of a chunk is retried and nothing is proved twice into the bundle; a
worker that cannot read its key fails its chunk with a clear message, and the rerun proves only
the missing chunk."""

import json
import os
import signal
import threading
import time

import pytest

ray = pytest.importorskip("ray")

import zkpot  # noqa: E402
import zkpot.ray as zray  # noqa: E402

# the bundled digits MLP on the first 50 samples of @digits-full, in chunks of 20, 20 and 10
# (two circuit shapes, two keys); a smaller fixed-point format keeps the circuits small
RUN = dict(samples=50, scale_bits=5, value_bits=11)
MODEL, DATA, CHUNK, M = "@digits", "@digits-full", 20, 3


@pytest.fixture(scope="module")
def local_ray(tmp_path_factory):
    os.environ["ZKPOT_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def chunk_indices(bundle_path):
    with open(bundle_path) as f:
        b = json.load(f)
    return [c["proof"] for c in b["chunks"]], b


def test_killed_worker_is_retried_and_the_bundle_verifies(local_ray, tmp_path):
    pid_dir = tmp_path / "pids"
    pid_dir.mkdir()
    victim = 1
    killed = []

    def killer():
        deadline = time.time() + 600
        while time.time() < deadline and not killed:
            for f in pid_dir.glob(f"chunk-{victim}-*.pid"):
                time.sleep(0.5)  # into the chunk: reading the key, rebuilding the proving key, proving
                pid = int(f.read_text())
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                break
            time.sleep(0.02)

    t = threading.Thread(target=killer, daemon=True)
    t.start()
    r = zray.prove_on_ray(MODEL, DATA, CHUNK, str(tmp_path / "run"), max_retries=2, _hooks={"pid_dir": str(pid_dir)}, **RUN)
    t.join(timeout=1)
    assert killed, "the worker of chunk 1 was killed"
    attempts = sorted(pid_dir.glob(f"chunk-{victim}-*.pid"))
    assert len(attempts) == 2, attempts  # the killed attempt and its retry
    assert r["result"] == "accept" and r["proved"] == list(range(M)) and r["samples"] == 50
    proofs, b = chunk_indices(r["bundle"])
    assert len(proofs) == M and len(set(proofs)) == M, "one proof per chunk"
    assert b["dataset_commitment"] == zkpot.commit(MODEL, DATA, chunk_size=CHUNK, **RUN)["chunked_dataset_commitment"]
    assert zkpot.verify_bundle(r["bundle"], vk_digest=r["vk_digests"], allow_insecure_dev=True)["score"] == r["score"]


def test_unreadable_key_fails_its_chunk_and_the_rerun_proves_only_it(local_ray, tmp_path):
    # 45 samples: a last chunk of 5, whose key no worker holds in memory from another test
    run = dict(RUN, samples=45)
    keys = tmp_path / "shared-keys"
    s = zkpot.setup(MODEL, DATA, chunk_size=CHUNK, keys=str(keys), **run)
    last = s["plan"]["chunks"][-1]["vk_digest"]  # the short last chunk has a key of its own
    key = keys / f"vk-{last}.key"
    good = key.read_bytes()
    key.write_bytes(good[:1000])
    work = tmp_path / "run"
    with pytest.raises(zkpot.ZkpotError) as e:
        zray.prove_on_ray(MODEL, DATA, CHUNK, str(work), keys=str(keys), progress=lambda m: None, **run)
    msg = str(e.value)
    assert f"chunk {M - 1} failed: chunk {M - 1}: " in msg and "has digest" in msg, msg
    assert "run the same command again" in msg and f"{M - 1} of {M} chunks are proved and kept" in msg, msg
    kept = {i: os.stat(work / "chunks" / f"chunk-{i:03d}.json").st_mtime_ns for i in range(M - 1)}
    key.write_bytes(good)
    r = zray.prove_on_ray(MODEL, DATA, CHUNK, str(work), keys=str(keys), progress=lambda m: None, **run)
    assert r["kept"] == list(range(M - 1)) and r["proved"] == [M - 1], r
    assert {i: os.stat(work / "chunks" / f"chunk-{i:03d}.json").st_mtime_ns for i in range(M - 1)} == kept, "kept chunks are not redone"
    assert zkpot.verify_bundle(r["bundle"], vk_digest=r["vk_digests"], allow_insecure_dev=True)["result"] == "accept"


def test_driver_command_line(local_ray, tmp_path, capsys):
    rc = zray.main(["prove", "--model", MODEL, "--data", DATA, "--samples", "30", "--scale-bits", "5", "--value-bits", "11",
                    "--chunk-size", str(CHUNK), "--work", str(tmp_path / "cli")])
    out = capsys.readouterr()
    assert rc == 0, out.err
    r = json.loads(out.out)
    assert r["result"] == "accept" and r["chunks"] == 2 and r["samples"] == 30
    assert "[2/2]" in out.err and "bundle" in out.err
    # verified pinned to the plan's keys (chunks of 20 and 10: two), development material: said loudly
    plan = json.loads((tmp_path / "cli" / "keys" / "plan.json").read_text())
    assert r["vk_digests"] == sorted({c["vk_digest"] for c in plan["chunks"]}) and len(r["vk_digests"]) == 2
    assert r["development_keys"] and "made from the INSECURE development SRS" in out.err
