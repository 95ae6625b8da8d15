"""What the networks that read the film's pixels (the image reader, the lesion map) share: their frozen ImageNet trunk,
the export (pixels [V,1,S,S] → one output [V,K], one row per view; the ImageNet blocks they keep frozen stay the TFLite
file's exact uint8 weights, a DequantizeLinear each, and the trained part is int8 per output channel), the check of the
file against PyTorch, and the file's manifest entry."""
import warnings

import onnx
import torch

from .manifest import file_entry
from .mobilenet_v2 import grey_to_input
from .ort_node import run_onnx
from .quantize import quantize_graph, requantize_exact

OPSET = 17


def export_pixel_network(module, path, image_size, input_name, output_name, frozen_nodes):
    """module: pixels → [V,K] (eval mode); frozen_nodes: ONNX node-name prefixes of the ImageNet blocks kept as trained."""
    fp32 = path.with_name(path.stem + "_fp32.onnx")
    path.parent.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(module, (torch.zeros(2, 1, image_size, image_size),), str(fp32), opset_version=OPSET,
                          do_constant_folding=True, input_names=[input_name], output_names=[output_name],
                          dynamic_axes={input_name: {0: "views"}, output_name: {0: "views"}})
    model = quantize_graph(onnx.load(str(fp32)), "int8", keep_float=frozen_nodes)
    for prefix in frozen_nodes:
        model = requantize_exact(model, prefix)
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    fp32.unlink()


def frozen_trunk(stem, frozen, x01):
    """The ImageNet stem and the frozen blocks on grey films x01 [B,1,H,W] in [0,1] → their features."""
    x = stem(grey_to_input(x01))
    for block in frozen:
        x = block(x)
    return x


def file_and_module_outputs(module, path, x, input_name, output_name):
    """The ONNX file's output and the PyTorch module's (fp32) on pixels x [V,1,S,S] (normalised) → (got, want), [V,K]
    each; raises when their shapes differ."""
    with torch.no_grad():
        want = module(torch.from_numpy(x)).numpy()
    got = run_onnx([(path, {input_name: x})])[0][output_name]
    if got.shape != want.shape:
        raise RuntimeError(f"{path}: the ONNX output is {got.shape}, PyTorch's {want.shape}")
    return got, want


def set_file_entry(model_dir, manifest, key, path, fields, training=None, evaluation=None):
    """manifest[key] = the file's path, bytes and sha256, then fields, and training and evaluation when given → the entry."""
    entry = {**file_entry(model_dir, path), **fields}
    if training is not None:
        entry["training"] = training
    if evaluation is not None:
        entry["evaluation"] = evaluation
    manifest[key] = entry
    return entry
