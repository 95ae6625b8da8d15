"""ONNX file stems and input/output names, read from src/engine/modelIO.json (the one place exporter and engine share)."""
import json
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MODEL_IO_PATH = REPO_ROOT / "src" / "engine" / "modelIO.json"


def load_model_io():
    with open(MODEL_IO_PATH) as f:
        return json.load(f)


def decoder_names(io, n_layers):
    """→ (input_names, output_names) of decoder_model_merged for n_layers, in the exporter's argument order."""
    d = io["decoder"]
    past = []
    present = []
    for i in range(n_layers):
        past += [d["inputs"]["pastKey"].format(i=i), d["inputs"]["pastValue"].format(i=i)]
        present += [d["outputs"]["presentKey"].format(i=i), d["outputs"]["presentValue"].format(i=i)]
    inputs = [d["inputs"]["embeds"], d["inputs"]["beamIdx"]] + past
    outputs = [d["outputs"]["logits"], d["outputs"]["textEmbeds"]] + present
    return inputs, outputs


def new_kv_names(io, n_layers):
    """→ the new tokens' keys and values of a "fused-prefix" decoder ([B,H,T,Dh], keys and values per layer, in
    order): present.* without the past, so a caller that keeps the cache itself fetches only these."""
    d = io["decoder"]["outputs"]
    return [d[kind].format(i=i) for i in range(n_layers) for kind in ("newKey", "newValue")]


def prefix_names(io, n_layers):
    """→ the shared image-prefix cache inputs of a "fused-prefix" decoder (keys and values per layer, in order)."""
    d = io["decoder"]["inputs"]
    return [d[kind].format(i=i) for i in range(n_layers) for kind in ("prefixKey", "prefixValue")]


def onnx_file_name(io, key, precision):
    """key ∈ vision|embed|decoder, precision ∈ fp32|int8|q4 → e.g. 'decoder_model_merged_int8.onnx'."""
    return io["files"][key] + io["precisionSuffix"][precision] + ".onnx"
