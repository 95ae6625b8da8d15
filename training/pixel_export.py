"""Export of a network that reads the film's pixels (the image reader, the lesion map): pixels [V,1,S,S] → one output
[V,K], one row per view. The ImageNet blocks it keeps frozen stay the TFLite file's exact uint8 weights (a
DequantizeLinear each); the trained part is int8 per output channel."""
import warnings

import onnx
import torch

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
