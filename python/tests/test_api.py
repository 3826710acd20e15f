"""`import zkpot`: every verb from Python, numpy data, dict results, exceptions with the command
line's messages, and the GIL released while proving."""

import json
import subprocess
import threading
import time

import numpy as np
import pytest

import zkpot
from conftest import Q, ROOT, TINY_FEATURES, TINY_LABELS, TINY_MODEL


def data():
    return (np.array(TINY_FEATURES), np.array(TINY_LABELS))


def test_quantize_commit_calibrate_with_numpy(work):
    q = zkpot.quantize(TINY_MODEL, data(), out="q.json", **Q)
    assert q["quantized_model"]["format"] == "zkpot-quantized-model"
    assert q["report"]["samples"] == 5
    c = zkpot.commit("q.json", data(), chunk_size=2)
    assert c["samples"] == 5 and c["model_commitment"].startswith("0x") and "chunked_dataset_commitment" in c
    # a quantized model file and the float model quantized on the fly commit alike
    assert zkpot.commit(TINY_MODEL, data(), **Q)["model_commitment"] == c["model_commitment"]
    cal = zkpot.calibrate(TINY_MODEL, data(), min_bits=6, max_bits=9)
    assert cal["candidates"]


def test_prove_verify_and_rejection(work):
    r = zkpot.prove(TINY_MODEL, data(), **Q)
    assert r["statement"]["samples"] == 5 and r["score"] == r["statement"]["score"]
    assert r["prove_seconds"] > 0 and len(r["vk_digest"]) == 64
    v = zkpot.verify("statement.json", "proof.bin", "vk.key", vk_digest=r["vk_digest"], allow_insecure_dev=True)
    assert v["result"] == "accept" and v["score"] == r["score"] and v["development_key"] and v["key_pinned_by"] == "pinned digest"
    st = json.loads((work / "statement.json").read_text())
    st["score"] = (st["score"] + 1) % 6
    (work / "forged.json").write_text(json.dumps(st))
    with pytest.raises(zkpot.RejectedError, match="REJECTED"):
        zkpot.verify("forged.json", "proof.bin", "vk.key", vk_digest=r["vk_digest"], allow_insecure_dev=True)


def test_verify_requires_a_pinned_key_like_the_command_line(work, zkpot_bin):
    r = zkpot.prove(TINY_MODEL, data(), **Q)
    cases = [
        ({}, [], "is not pinned"),
        ({"vk_digest": "00" * 32, "allow_insecure_dev": True}, ["--vk-digest", "00" * 32, "--allow-insecure-dev"], "not the pinned"),
        ({"vk_digest": r["vk_digest"]}, ["--vk-digest", r["vk_digest"]], "INSECURE development"),
        ({"trusted_keys": "empty"}, ["--trusted-keys", "empty"], "holds no verifying key"),
    ]
    (work / "empty").mkdir()
    for kwargs, flags, needle in cases:
        with pytest.raises(zkpot.RejectedError, match=needle) as e:
            zkpot.verify("statement.json", "proof.bin", "vk.key", **kwargs)
        cli = subprocess.run([zkpot_bin, "verify", *flags], capture_output=True, text=True)
        assert cli.returncode == 1 and cli.stderr.splitlines()[0] == f"error: {e.value}", (cli.stderr, str(e.value))
    # the statement names its key: another key file is refused before any pin is consulted
    st = json.loads((work / "statement.json").read_text())
    assert st["vk_digest"] == r["vk_digest"]
    st["vk_digest"] = "11" * 32
    (work / "other-key.json").write_text(json.dumps(st))
    with pytest.raises(zkpot.RejectedError, match="key mismatch: the statement names verifying key 1111"):
        zkpot.verify("other-key.json", "proof.bin", "vk.key", trust_key_as_is=True, allow_insecure_dev=True)
    with pytest.raises(zkpot.RejectedError, match="cannot be combined"):
        zkpot.verify("statement.json", "proof.bin", "vk.key", vk_digest=r["vk_digest"], trust_key_as_is=True)
    v = zkpot.verify("statement.json", "proof.bin", "vk.key", trust_key_as_is=True, allow_insecure_dev=True)
    assert "NOT pinned" in v["key_pinned_by"]


def test_errors_carry_the_command_lines_message(work, zkpot_bin):
    with pytest.raises(zkpot.ZkpotError) as e:
        zkpot.commit("@digits", "missing.json")
    cli = subprocess.run([zkpot_bin, "commit", "--data", "missing.json"], capture_output=True, text=True)
    first = cli.stderr.splitlines()[0].removeprefix("error: ")
    assert str(e.value).startswith(first), (str(e.value), cli.stderr)
    with pytest.raises(zkpot.ZkpotError, match="label 7 is outside 0..3"):
        zkpot.commit(TINY_MODEL, zkpot.dataset(np.array(TINY_FEATURES), np.array([0, 1, 2, 0, 7]), num_classes=3), **Q)


def test_chunks_bundle_and_refusals(work, zkpot_bin):
    s = zkpot.setup(TINY_MODEL, data(), chunk_size=2, keys="keys", **Q)
    assert len(s["plan"]["chunks"]) == 3 and s["made"]
    files = []
    for i in range(3):
        r = zkpot.prove(TINY_MODEL, data(), chunk_size=2, chunk=i, keys="keys", out=f"c{i}.json", **Q)
        assert r["index"] == i and r["statement"]["samples"] == (1 if i == 2 else 2)
        files.append(f"c{i}.json")
    b = zkpot.bundle(files, "keys", 2, out="out/bundle.json")
    assert b["chunks"] == 3 and b["samples"] == 5
    digests = sorted({c["vk_digest"] for c in s["plan"]["chunks"]})
    v = zkpot.verify_bundle("out/bundle.json", vk_digest=digests, allow_insecure_dev=True)
    assert v["result"] == "accept" and {k["digest"] for k in v["keys"]} == set(digests)
    # the keys beside a bundle are not trusted for being there; development keys need the opt-in
    with pytest.raises(zkpot.RejectedError, match="is not pinned"):
        zkpot.verify_bundle("out/bundle.json", allow_insecure_dev=True)
    with pytest.raises(zkpot.RejectedError, match="INSECURE development"):
        zkpot.verify_bundle("out/bundle.json", trusted_keys="keys")
    with pytest.raises(zkpot.ZkpotError, match="chunk 1 missing") as e:
        zkpot.bundle([files[0], files[2]], "keys", 2, out="out/bundle.json")
    cli = subprocess.run([zkpot_bin, "bundle", "--chunk-size", "2", "--keys", "keys", files[0], files[2]], capture_output=True, text=True)
    assert cli.returncode != 0 and cli.stderr.splitlines()[0] == f"error: {e.value}"
    with pytest.raises(zkpot.ZkpotError, match="chunk 0 is given twice"):
        zkpot.bundle(files + [files[0]], "keys", 2)
    # the CLI reads what Python wrote
    cli = subprocess.run([zkpot_bin, "verify", "--bundle", "out/bundle.json", "--trusted-keys", "keys", "--allow-insecure-dev"],
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    # ... and a chunk the CLI proves (a retry of chunk 1) assembles with Python's
    (work / "model.json").write_text(json.dumps(TINY_MODEL))
    (work / "data.json").write_text(json.dumps(zkpot.dataset(np.array(TINY_FEATURES), np.array(TINY_LABELS))))
    cli = subprocess.run([zkpot_bin, "prove", "--float-model", "model.json", "--data", "data.json", "--scale-bits", "3", "--value-bits", "8",
                          "--chunk-size", "2", "--chunk", "1", "--keys", "keys", "--chunk-out", "c1-cli.json"], capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert zkpot.bundle([files[0], "c1-cli.json", files[2]], "keys", 2, out="mixed/bundle.json")["score"] == b["score"]
    assert zkpot.verify_bundle("mixed/bundle.json", trusted_keys="keys", allow_insecure_dev=True)["result"] == "accept"


def test_import_onnx(work):
    r = zkpot.import_onnx(ROOT / "onnx/tests/fixtures/digits_mlp_sklearn.onnx", out="mlp.json")
    assert r["float_model"]["format"] == "zkpot-float-model" and r["layers"]
    assert zkpot.commit("mlp.json", "@digits-test", samples=3)["samples"] == 3
    with pytest.raises(zkpot.ZkpotError, match="Sigmoid"):
        zkpot.import_onnx(ROOT / "onnx/tests/fixtures/unsupported_sigmoid.onnx", out="x.json")


def test_proving_releases_the_gil(work):
    zkpot.setup(TINY_MODEL, data(), chunk_size=5, keys="keys", **Q)
    ticks = []
    done = threading.Event()

    def count():
        while not done.is_set():
            ticks.append(time.perf_counter())
            time.sleep(0.001)

    t = threading.Thread(target=count)
    t.start()
    start = time.perf_counter()
    for _ in range(3):
        zkpot.prove_chunk(TINY_MODEL, data(), 5, 0, keys="keys", **Q)
    end = time.perf_counter()
    done.set()
    t.join()
    during = [x for x in ticks if start < x < end]
    # with the GIL held the counter would stall for the whole proof
    assert len(during) > 10 * (end - start), (len(during), end - start)
