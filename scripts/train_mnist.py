#!/usr/bin/env python3
"""Train zkpot's bundled MNIST models on the 8,000 bundled training digits and export them to ONNX.

How to run (one-off; Python is not needed to build, test or run the Rust workspace):

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch onnx numpy
    /tmp/torchvenv/bin/python scripts/train_mnist.py          # from the repository root
    cargo run --release -- import data/mnist/mlp.onnx --out data/mnist/mlp.json --data @mnist-test
    cargo run --release -- import data/mnist/cnn.onnx --out data/mnist/cnn.json --data @mnist-test

Versions used for the committed files: Python 3.11.7, torch 2.15.0 (PyPI wheel, run on the CPU),
onnx 1.23.2, numpy 2.4.6 (also recorded in data/mnist/models.meta.json). Other versions may
train slightly different models; the committed ONNX and JSON files are the reference.

Input: data/mnist/train.u8.zlib and test.u8.zlib (scripts/mnist_bundle.py), checked against
the SHA-256 in data/mnist/meta.json; features p / 255 in [0, 1], images [batch, 1, 28, 28].

Models (torch.manual_seed(0), Adam, batch 64, cross-entropy, trained on the 8,000 only):

* mlp.onnx -- Flatten, Linear(784, 128), ReLU, Linear(128, 10); lr 1e-3, 20 epochs.
* cnn.onnx -- LeNet-5 class: Conv2d(1, 6, 5), ReLU, MaxPool2d(2), Conv2d(6, 16, 5), ReLU,
  MaxPool2d(2), Flatten, Linear(256, 120), ReLU, Linear(120, 84), ReLU, Linear(84, 10);
  lr 1e-3, 20 epochs.

Both use a small weight decay (1e-4) so that the weights quantize well. Exported with the
TorchScript exporter (dynamo=False, opset 17, a dynamic batch axis). Writes models.meta.json
with the float accuracy of each model on the 2,000 test digits (the exported graph's, run
through torch; zkpot import --data recomputes it in Rust).
"""

import hashlib
import json
import os
import platform
import zlib

import numpy as np
import onnx
import torch
from torch import nn

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
DATA = os.path.join(ROOT, "data", "mnist")
EPOCHS = 20
BATCH = 64


def load(name):
    with open(os.path.join(DATA, "meta.json")) as f:
        meta = json.load(f)["files"][name]
    with open(os.path.join(DATA, meta["file"]), "rb") as f:
        raw = zlib.decompress(f.read())
    if hashlib.sha256(raw).hexdigest() != meta["records_sha256"]:
        raise SystemExit(f"{meta['file']}: SHA-256 does not match meta.json")
    rec = np.frombuffer(raw, dtype=np.uint8).reshape(meta["samples"], 785)
    x = torch.tensor(rec[:, 1:].astype(np.float32) / 255.0).reshape(-1, 1, 28, 28)
    y = torch.tensor(rec[:, 0].astype(np.int64))
    return x, y


def mlp():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(256, 120), nn.ReLU(),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, 10),
    )


def train(model, xtr, ytr):
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss()
    gen = torch.Generator().manual_seed(0)
    for epoch in range(EPOCHS):
        model.train()
        perm = torch.randperm(len(xtr), generator=gen)
        total = 0.0
        for i in range(0, len(xtr), BATCH):
            idx = perm[i:i + BATCH]
            opt.zero_grad()
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
        print(f"  epoch {epoch + 1}/{EPOCHS}: loss {total / len(xtr):.4f}")
    model.eval()
    return model


def correct(model, x, y):
    with torch.no_grad():
        return int((model(x).argmax(1) == y).sum())


def main():
    torch.set_num_threads(2)
    xtr, ytr = load("train")
    xte, yte = load("test")
    report = {
        "python": platform.python_version(), "torch": torch.__version__, "onnx": onnx.__version__,
        "numpy": np.__version__, "epochs": EPOCHS, "batch": BATCH, "models": {},
    }
    for name, make in [("mlp", mlp), ("cnn", cnn)]:
        torch.manual_seed(0)
        print(f"training {name}")
        model = train(make(), xtr, ytr)
        path = os.path.join(DATA, f"{name}.onnx")
        torch.onnx.export(
            model, (xte[:1],), path, input_names=["image"], output_names=["logits"],
            dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}},
            opset_version=17, do_constant_folding=True, dynamo=False,
        )
        onnx.checker.check_model(onnx.load(path))
        train_ok, test_ok = correct(model, xtr, ytr), correct(model, xte, yte)
        params = sum(p.numel() for p in model.parameters())
        print(f"wrote {os.path.relpath(path, ROOT)}: {params} parameters, train {train_ok}/{len(ytr)}, test {test_ok}/{len(yte)}")
        report["models"][name] = {"onnx": f"{name}.onnx", "parameters": params, "train_correct": train_ok,
                                  "test_correct": test_ok, "test_samples": len(yte)}
    with open(os.path.join(DATA, "models.meta.json"), "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
