#!/usr/bin/env python3
"""Export the small recurrent ONNX fixtures of onnx/tests/recurrent.rs from PyTorch.

How to run (one-off; Python is not needed to build or test the Rust workspace):

    /tmp/torchvenv/bin/python scripts/recurrent_fixtures.py     # from the repository root

Each fixture is a random (torch.manual_seed) LSTM or GRU over 5 steps of 4 features, hidden
size 3, then Linear(3, 2), exported with the TorchScript exporter (dynamo=False, opset 17) in
one of the patterns PyTorch users write:

* lstm_bf_last.onnx      -- batch_first, out[:, -1, :]           (Transpose, Squeeze, Transpose, Gather)
* lstm_stacked_hn.onnx   -- batch_first, 2 layers, h_n[-1]       (Concat of Y_h, Gather)
* gru_bf_hn.onnx         -- batch_first, h_n[-1]                 (Gather on Y_h), dynamic batch axis
* gru_tm_stacked_last.onnx -- time major input transposed, 2 layers, out[-1]
* lstm_bidirectional.onnx  -- bidirectional: must be refused

Next to each, <name>.expected.json holds 6 random inputs (flattened [T][I]) and the torch
outputs (the tests compare zkpot's float evaluator with them).
"""

import json
import os

import torch
from torch import nn

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "onnx", "tests", "fixtures")
T, I, H, C = 5, 4, 3, 2


class Seq(nn.Module):
    def __init__(self, cell, layers, batch_first, take, bidirectional=False):
        super().__init__()
        self.rnn = cell(I, H, num_layers=layers, batch_first=batch_first, bidirectional=bidirectional)
        self.fc = nn.Linear(H * (2 if bidirectional else 1), C)
        self.batch_first, self.take = batch_first, take

    def forward(self, x):  # x: [batch, T, I]
        if not self.batch_first:
            x = x.transpose(0, 1)
        out = self.rnn(x)
        y, h = out[0], out[1]
        if isinstance(h, tuple):
            h = h[0]
        if self.take == "hn":
            last = h[-1]
        else:
            last = y[:, -1, :] if self.batch_first else y[-1]
        return self.fc(last)


def export(name, model, dynamic=False, expected=True):
    model.eval()
    path = os.path.join(OUT, name)
    kw = {"dynamic_axes": {"x": {0: "batch"}, "y": {0: "batch"}}} if dynamic else {}
    torch.onnx.export(model, torch.zeros(1, T, I), path, dynamo=False, opset_version=17, input_names=["x"], output_names=["y"], **kw)
    if expected:
        g = torch.Generator().manual_seed(7)
        xs = torch.rand(6, T, I, generator=g) * 2 - 1
        with torch.no_grad():
            ys = model(xs)
        with open(path.replace(".onnx", ".expected.json"), "w") as f:
            json.dump({"inputs": xs.reshape(6, -1).tolist(), "outputs": ys.tolist()}, f)


def main():
    torch.manual_seed(0)
    export("lstm_bf_last.onnx", Seq(nn.LSTM, 1, True, "last"))
    export("lstm_stacked_hn.onnx", Seq(nn.LSTM, 2, True, "hn"))
    export("gru_bf_hn.onnx", Seq(nn.GRU, 1, True, "hn"), dynamic=True)
    export("gru_tm_stacked_last.onnx", Seq(nn.GRU, 2, False, "last"))
    export("lstm_bidirectional.onnx", Seq(nn.LSTM, 1, True, "last", bidirectional=True), expected=False)


if __name__ == "__main__":
    main()
