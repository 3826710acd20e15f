#!/usr/bin/env python3
"""Train zkpot's bundled sequential-MNIST LSTM on the 8,000 bundled training digits and export it to ONNX.

How to run (one-off; Python is not needed to build, test or run the Rust workspace):

    python3 -m venv /tmp/torchvenv && /tmp/torchvenv/bin/pip install torch onnx numpy
    /tmp/torchvenv/bin/python scripts/train_mnist_lstm.py        # from the repository root
    cargo run --release -- import data/mnist/lstm.onnx --out data/mnist/lstm.json --data @mnist-test

Sequential MNIST: each 28x28 digit is read as 28 time steps of 28 pixels (one image row per
step), features p / 255 in [0, 1], input [batch, 28, 28] (its per-sample flattening is the
bundled data sets' 784 features, so @mnist-test and @mnist-train feed it unchanged).

Model (torch.manual_seed(0)): LSTM(28, 32, batch_first=True), the last step's hidden state
out[:, -1, :], Linear(32, 10). Adam lr 2e-3, weight decay 1e-4, batch 64, cross-entropy,
EPOCHS epochs, gradient norm clipped at 1. Exported with the TorchScript exporter
(dynamo=False, opset 17, a dynamic batch axis). Writes lstm.meta.json with the float accuracy
on the 2,000 test digits.
"""

import json
import os
import platform

import numpy as np
import onnx
import torch
from torch import nn

from train_mnist import DATA, ROOT, load

EPOCHS = 12
BATCH = 64
HIDDEN = 32


class SeqLstm(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, HIDDEN, batch_first=True)
        self.fc = nn.Linear(HIDDEN, 10)

    def forward(self, x):  # [batch, 28, 28]
        out, _ = self.lstm(x)
        return self.fc(out[:, -1, :])


def main():
    torch.set_num_threads(2)
    xtr, ytr = load("train")
    xte, yte = load("test")
    xtr, xte = xtr.reshape(-1, 28, 28), xte.reshape(-1, 28, 28)
    torch.manual_seed(0)
    model = SeqLstm()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3, weight_decay=1e-4)
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
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            total += loss.item() * len(idx)
        model.eval()
        with torch.no_grad():
            test_ok = int((model(xte).argmax(1) == yte).sum())
        print(f"  epoch {epoch + 1}/{EPOCHS}: loss {total / len(xtr):.4f}, test {test_ok}/{len(yte)}", flush=True)
    model.eval()
    path = os.path.join(DATA, "lstm.onnx")
    torch.onnx.export(
        model, (xte[:1],), path, input_names=["image_rows"], output_names=["logits"],
        dynamic_axes={"image_rows": {0: "batch"}, "logits": {0: "batch"}},
        opset_version=17, do_constant_folding=True, dynamo=False,
    )
    onnx.checker.check_model(onnx.load(path))
    with torch.no_grad():
        train_ok = int((model(xtr).argmax(1) == ytr).sum())
        test_ok = int((model(xte).argmax(1) == yte).sum())
    params = sum(p.numel() for p in model.parameters())
    print(f"wrote {os.path.relpath(path, ROOT)}: {params} parameters, train {train_ok}/{len(ytr)}, test {test_ok}/{len(yte)}")
    report = {
        "python": platform.python_version(), "torch": torch.__version__, "onnx": onnx.__version__,
        "numpy": np.__version__, "epochs": EPOCHS, "batch": BATCH, "hidden": HIDDEN,
        "model": {"onnx": "lstm.onnx", "parameters": params, "train_correct": train_ok,
                  "test_correct": test_ok, "test_samples": len(yte)},
    }
    with open(os.path.join(DATA, "lstm.meta.json"), "w") as f:
        json.dump(report, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
