"""zkpot from Python: prove that a committed model scores S on a committed test set.

Models and data sets are given as a file path, a bundled name (``"@digits"``,
``"@digits-full"``), a dict (the JSON formats of docs/formats.md) or, for data sets, numpy
arrays ``(features, labels)``. Results come back as dicts; failures raise :class:`ZkpotError`
(a rejected proof: :class:`RejectedError`) carrying the command line's message. Proving, key
generation and verification release the GIL, so threads can prove side by side.

>>> import zkpot
>>> st = zkpot.prove("@digits", "@digits-test", samples=10)["statement"]
>>> zkpot.verify("statement.json", "proof.bin", "vk.key")["result"]
'accept'

Distributed proving over a Ray cluster: ``python -m zkpot.ray prove --help`` (docs/distributed.md).
"""

from __future__ import annotations

import json
import os
from typing import Any, List, Mapping, Optional, Sequence, Union

from . import _zkpot
from ._zkpot import RejectedError, ZkpotError

__all__ = [
    "ZkpotError", "RejectedError", "import_onnx", "quantize", "calibrate", "commit", "setup", "prove",
    "prove_chunk", "bundle", "verify", "verify_bundle", "dataset",
]

PathLike = Union[str, "os.PathLike[str]"]
Source = Union[PathLike, Mapping[str, Any]]
DataSource = Union[Source, Sequence[Any]]


def _src(x: Any, what: str) -> str:
    """A model or data set as the extension takes it: a path, an @name or JSON text."""
    if isinstance(x, Mapping):
        return json.dumps(x)
    if isinstance(x, (str, os.PathLike)):
        return os.fspath(x)
    raise TypeError(f"the {what} must be a path, a bundled @name or a dict, not {type(x).__name__}")


def dataset(features: Any, labels: Any, num_classes: Optional[int] = None, name: str = "numpy") -> dict:
    """A zkpot data set (dict) from a 2-D array of float features and a 1-D array of labels."""
    rows = features.tolist() if hasattr(features, "tolist") else [list(r) for r in features]
    labs = labels.tolist() if hasattr(labels, "tolist") else list(labels)
    labs = [int(v) for v in labs]
    if num_classes is None:
        num_classes = max(labs) + 1 if labs else 1
    return {"format": "zkpot-dataset", "version": 1, "name": name, "num_classes": int(num_classes), "features": rows, "labels": labs}


def _data(x: Any) -> str:
    if isinstance(x, tuple) and len(x) == 2:
        return json.dumps(dataset(x[0], x[1]))
    return _src(x, "data set")


def _opt(p: Optional[PathLike]) -> Optional[str]:
    return None if p is None else os.fspath(p)


def import_onnx(path: PathLike, data: Optional[DataSource] = None, name: Optional[str] = None, out: Optional[PathLike] = None) -> dict:
    """Imports an ONNX model: its layers and shapes, the float accuracy on ``data``, and the
    float model (``result["float_model"]``, a dict; also written to ``out``)."""
    r = json.loads(_zkpot.import_onnx(os.fspath(path), None if data is None else _data(data), name))
    if out is not None:
        if r["float_model"] is None:
            raise ZkpotError(f"cannot write a zkpot float model: {r['unsupported']}")
        with open(out, "w") as f:
            json.dump(r["float_model"], f, indent=1)
    return r


def quantize(model: Source, data: DataSource, scale_bits: int = 8, value_bits: int = 15, out: Optional[PathLike] = None) -> dict:
    """Quantizes a float model; ``result["quantized_model"]`` (a dict; also written to ``out``)
    and the float vs quantized report."""
    r = json.loads(_zkpot.quantize(_src(model, "model"), _data(data), scale_bits, value_bits))
    if out is not None:
        with open(out, "w") as f:
            json.dump(r["quantized_model"], f)
    return r


def calibrate(model: Source, data: DataSource, samples: Optional[int] = None, min_bits: int = 8, max_bits: int = 16) -> dict:
    """Chooses the fixed-point format (value bits b, scale bits s) for a model and data set."""
    return json.loads(_zkpot.calibrate(_src(model, "model"), _data(data), samples, min_bits, max_bits))


def commit(model: Source, data: DataSource, samples: Optional[int] = None, scale_bits: int = 8, value_bits: int = 15, chunk_size: Optional[int] = None) -> dict:
    """The model and data set commitments (and the chunked one for ``chunk_size``)."""
    return json.loads(_zkpot.commit(_src(model, "model"), _data(data), samples, scale_bits, value_bits, chunk_size))


def setup(model: Source, data: DataSource, samples: Optional[int] = None, scale_bits: int = 8, value_bits: int = 15, score: Optional[str] = None,
          vk: Optional[PathLike] = None, chunk_size: Optional[int] = None, keys: Optional[PathLike] = None,
          srs: Optional[PathLike] = None, cache: Optional[PathLike] = None) -> dict:
    """Makes the keys: the verifying key of the whole set (written to ``vk``), or with
    ``chunk_size`` the chunk plan and one key per chunk shape in the directory ``keys``."""
    return json.loads(_zkpot.setup(_src(model, "model"), _data(data), samples, scale_bits, value_bits, score, _opt(vk), chunk_size, _opt(keys), _opt(srs), _opt(cache)))


def prove(model: Source, data: DataSource, samples: Optional[int] = None, scale_bits: int = 8, value_bits: int = 15, score: Optional[str] = None,
          proof: PathLike = "proof.bin", statement: PathLike = "statement.json", vk: PathLike = "vk.key",
          chunk_size: Optional[int] = None, chunk: Optional[int] = None, keys: PathLike = "zkpot-keys", out: Optional[PathLike] = None,
          srs: Optional[PathLike] = None, cache: Optional[PathLike] = None) -> dict:
    """Proves the model's score on the data set and writes the proof, statement and key.

    With ``chunk_size`` and ``chunk``: proves that one chunk alone with the plan's keys in
    ``keys`` (see :func:`prove_chunk`)."""
    if chunk is not None:
        if chunk_size is None:
            raise ZkpotError("chunk needs chunk_size")
        return prove_chunk(model, data, chunk_size, chunk, keys=keys, samples=samples, scale_bits=scale_bits, value_bits=value_bits,
                           score=score, out=out, srs=srs, cache=cache)
    if chunk_size is not None:
        raise ZkpotError("chunk_size without chunk: prove each chunk (prove_chunk) and assemble them (bundle), or use python -m zkpot.ray")
    r = json.loads(_zkpot.prove(_src(model, "model"), _data(data), samples, scale_bits, value_bits, score, os.fspath(proof), os.fspath(statement),
                                os.fspath(vk), _opt(srs), _opt(cache)))
    r["score"] = r["statement"]["score"]
    return r


def prove_chunk(model: Source, data: DataSource, chunk_size: int, index: int, keys: PathLike = "zkpot-keys", samples: Optional[int] = None,
                scale_bits: int = 8, value_bits: int = 15, score: Optional[str] = None, out: Optional[PathLike] = None,
                srs: Optional[PathLike] = None, cache: Optional[PathLike] = None) -> dict:
    """Proves chunk ``index`` (0-based; chunks of ``chunk_size`` samples, the last one shorter)
    with the plan's keys in ``keys`` (made first if there is none). Returns the chunk file's
    text (``result["chunk"]``, also written to ``out``), its statement and timings. Proving a
    chunk again gives another valid proof of the same statement."""
    r = json.loads(_zkpot.prove_chunk(_src(model, "model"), _data(data), chunk_size, index, os.fspath(keys), samples, scale_bits, value_bits,
                                      score, _opt(out), _opt(srs), _opt(cache)))
    r["score"] = r["statement"]["score"]
    return r


def bundle(chunks: Sequence[PathLike], keys: PathLike, chunk_size: int, out: PathLike = "bundle.json") -> dict:
    """Assembles chunk files into the bundle ``verify_bundle`` checks; refuses a missing,
    duplicated, foreign or corrupt chunk, or one proved with a key other than the plan's."""
    return json.loads(_zkpot.bundle([os.fspath(c) for c in chunks], os.fspath(keys), chunk_size, os.fspath(out)))


def _pins(vk_digest: Union[None, str, Sequence[str]]) -> List[str]:
    if vk_digest is None:
        return []
    return [vk_digest] if isinstance(vk_digest, str) else list(vk_digest)


def verify(statement: PathLike = "statement.json", proof: PathLike = "proof.bin", vk: PathLike = "vk.key", *,
           vk_digest: Union[None, str, Sequence[str]] = None, trusted_keys: Optional[PathLike] = None, srs: Optional[PathLike] = None,
           trust_key_as_is: bool = False, allow_insecure_dev: bool = False) -> dict:
    """Verifies a proof; raises :class:`RejectedError` if it does not prove the statement.

    The verifying key must be pinned, as ``zkpot verify`` requires (docs/trust.md): by its
    digest (``vk_digest``, published with the setup), by a directory of keys you obtained
    yourself (``trusted_keys``), or by re-deriving it from a ceremony file you trust (``srs``);
    ``trust_key_as_is=True`` accepts the key file as given (local use only, announced).
    Development keys are refused unless ``allow_insecure_dev=True`` (announced on stderr)."""
    return json.loads(_zkpot.verify(os.fspath(statement), os.fspath(proof), os.fspath(vk), _pins(vk_digest), _opt(trusted_keys), _opt(srs),
                                    trust_key_as_is, allow_insecure_dev))


def verify_bundle(path: PathLike, *, vk_digest: Union[None, str, Sequence[str]] = None, trusted_keys: Optional[PathLike] = None,
                  srs: Optional[PathLike] = None, trust_key_as_is: bool = False, allow_insecure_dev: bool = False) -> dict:
    """Verifies a bundle with its chunk proofs and keys; raises :class:`RejectedError`. Every
    chunk's key must be pinned as in :func:`verify` (a bundle may need one digest per chunk
    size: pass them all in ``vk_digest``)."""
    return json.loads(_zkpot.verify_bundle(os.fspath(path), _pins(vk_digest), _opt(trusted_keys), _opt(srs), trust_key_as_is, allow_insecure_dev))
