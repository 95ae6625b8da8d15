"""Python → onnxruntime-node bridge (there is no onnxruntime for Python here): runs training/run_onnx.mjs."""
import base64
import json
import subprocess
import tempfile
from pathlib import Path

import numpy as np

SCRIPT = Path(__file__).resolve().parent / "run_onnx.mjs"
_TYPES = {np.dtype(np.float32): "float32", np.dtype(np.int64): "int64", np.dtype(np.int32): "int32",
          np.dtype(np.uint8): "uint8"}


class OrtNodeError(RuntimeError):
    """onnxruntime-node failed; the message carries Node's stderr."""


def _encode(a):
    a = np.ascontiguousarray(a)
    return {"type": _TYPES[a.dtype], "dims": list(a.shape), "b64": base64.b64encode(a.tobytes()).decode()}


def _decode(t):
    dtype = {v: k for k, v in _TYPES.items()}[t["type"]]
    return np.frombuffer(base64.b64decode(t["b64"]), dtype=dtype).reshape(t["dims"])


def run_onnx(runs, timeout=300):
    """runs: list of (model_path, {input_name: np.ndarray}[, session options dict]) → list of
    {output_name: np.ndarray}, one per run."""
    with tempfile.TemporaryDirectory() as tmp:
        req, resp = Path(tmp) / "request.json", Path(tmp) / "response.json"
        req.write_text(json.dumps({"runs": [{"model": str(r[0]), "inputs": {k: _encode(v) for k, v in r[1].items()},
                                             "options": r[2] if len(r) > 2 else {}} for r in runs]}))
        proc = subprocess.run(["node", str(SCRIPT), str(req), str(resp)], capture_output=True, text=True,
                              timeout=timeout)
        if proc.returncode != 0:
            raise OrtNodeError(f"onnxruntime-node failed (is node_modules installed? run `npm ci`):\n{proc.stderr}")
        results = json.loads(resp.read_text())["results"]
    return [{k: _decode(v) for k, v in r.items()} for r in results]
