"""MobileNetV2 (width 1.0) in plain PyTorch, initialised from the 8-bit ImageNet TFLite file in shared/data/pretrained.

Owns: the float network (batch norm folded, so every convolution has a bias; TF "SAME" padding, whose extra row and
column go bottom/right on a stride-2 layer), the loader that reads the TFLite graph operator by operator and copies
its dequantised weights in (float = scale · (q − zero_point)), the feature map at output stride 16 or 32 for a grey
radiograph, and a top-5 ImageNet CLI. Activations are not quantised: this is the float network behind the file.

    /usr/bin/python3 -m training.mobilenet_v2 IMAGE            # top-5 labels with probabilities
    /usr/bin/python3 -m training.mobilenet_v2 --save OUT.pt    # the float weights as a PyTorch state dict, for a
                                                               # machine without python3-flatbuffers (a lent GPU)
"""
import math
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
PRETRAINED_DIR = DATA_DIR / "pretrained" / "mobilenet_v2_imagenet"
TFLITE_PATH = PRETRAINED_DIR / "mobilenet_v2_1.0_224_quant.tflite"
LABELS_PATH = PRETRAINED_DIR / "imagenet_labels.txt"
READER_DIR = PRETRAINED_DIR / "tflite_reader"

# (expansion t, output channels c, repeats n, first stride s), as in Sandler et al. 2018, table 2
BLOCK_SETTINGS = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2),
                  (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
STRIDE16_BLOCKS = 13  # blocks 0..12 run at output stride ≤ 16; block 12 is the last one there (96 channels)
NUM_CLASSES = 1001  # index 0 = background


def same_padding(h, w, k, s):
    """TF/TFLite "SAME" padding for a k×k, stride-s conv on an h×w input → F.pad's (left, right, top, bottom).
    Output size is ceil(in / s); an odd total puts the extra row/column bottom/right (3×3 s2 on even: 0 then 1)."""
    pad_h = max((math.ceil(h / s) - 1) * s + k - h, 0)
    pad_w = max((math.ceil(w / s) - 1) * s + k - w, 0)
    return pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2


class SameConv(nn.Conv2d):
    """A biased conv with TF "SAME" padding and an optional ReLU6 (TFLite's fused activation)."""

    def __init__(self, c_in, c_out, k=1, stride=1, groups=1, relu6=True):
        super().__init__(c_in, c_out, k, stride=stride, padding=0, groups=groups, bias=True)
        self.relu6 = relu6

    def forward(self, x):
        # x [B,C,H,W] -> [B,O,ceil(H/s),ceil(W/s)]
        # Python ints, so an exported graph holds constant pads for its fixed input size (not Shape arithmetic),
        # symmetric ones inside the Conv and only the stride-2 layers' bottom/right row as a Pad node.
        h, w = int(x.shape[-2]), int(x.shape[-1])
        k = self.dilation[0] * (self.kernel_size[0] - 1) + 1  # the dilated kernel's extent
        left, right, top, bottom = same_padding(h, w, k, self.stride[0])
        if (left, top) != (right, bottom):
            x = F.pad(x, (left, right, top, bottom))
            left = top = 0
        x = F.conv2d(x, self.weight, self.bias, self.stride, (top, left), self.dilation, self.groups)
        return F.relu6(x) if self.relu6 else x


class InvertedResidual(nn.Module):
    """expand 1×1 + ReLU6 (when t ≠ 1) → depthwise 3×3 + ReLU6 → linear project 1×1, + input when shapes allow."""

    def __init__(self, c_in, c_out, stride, t):
        super().__init__()
        hidden = c_in * t
        self.expand = SameConv(c_in, hidden) if t != 1 else None
        self.depthwise = SameConv(hidden, hidden, 3, stride, groups=hidden)
        self.project = SameConv(hidden, c_out, relu6=False)
        self.residual = stride == 1 and c_in == c_out

    def forward(self, x):
        # x [B,C,H,W] -> [B,O,H/s,W/s]
        y = self.expand(x) if self.expand is not None else x  # [B,tC,H,W]
        y = self.project(self.depthwise(y))
        return x + y if self.residual else y


class MobileNetV2(nn.Module):
    def __init__(self, num_classes=NUM_CLASSES):
        super().__init__()
        self.stem = SameConv(3, 32, 3, 2)
        blocks, c_in = [], 32
        for t, c, n, s in BLOCK_SETTINGS:
            for i in range(n):
                blocks.append(InvertedResidual(c_in, c, s if i == 0 else 1, t))
                c_in = c
        self.blocks = nn.ModuleList(blocks)
        self.last = SameConv(c_in, 1280)
        self.classifier = SameConv(1280, num_classes, relu6=False)

    def convs(self):
        """Every conv in the order the TFLite graph runs them: 52 in the body, then the classifier."""
        return [m for m in self.modules() if isinstance(m, SameConv)]

    def features(self, x, stride=32):
        """x [B,3,H,W] in [-1,1] → [B,96,H/16,W/16] (stride 16, after block 12) or [B,1280,H/32,W/32] (stride 32)."""
        if stride not in (16, 32):
            raise ValueError(f"stride must be 16 or 32, got {stride}")
        x = self.stem(x)  # [B,32,H/2,W/2]
        for block in self.blocks[:STRIDE16_BLOCKS] if stride == 16 else self.blocks:
            x = block(x)
        return x if stride == 16 else self.last(x)

    def forward(self, x):
        # x [B,3,H,W] in [-1,1] -> logits [B,1001]
        x = self.features(x, 32).mean(dim=(2, 3), keepdim=True)  # [B,1280,1,1]
        return self.classifier(x).flatten(1)


def output_stride_16(net):
    """Runs the stride-32 stage (blocks 13–16 and the last 1×1 conv) at stride 16, as DeepLabV3 does: block 13's
    depthwise conv keeps stride 1 and the later depthwise convs dilate by 2, so their pretrained 3×3 kernels see
    the same context. A 128 px radiograph then gives an 8×8 grid of 1280-channel features. Returns net."""
    first = STRIDE16_BLOCKS
    net.blocks[first].depthwise.stride = (1, 1)
    for block in net.blocks[first + 1:]:
        block.depthwise.dilation = (2, 2)
    return net


def grey_to_input(x01):
    """A grey image [B,1,H,W] in [0,1] → the network's input [B,3,H,W] in [-1,1]."""
    return (x01 * 2 - 1).expand(-1, 3, -1, -1)


def import_tflite_reader():
    try:
        import flatbuffers  # noqa: F401  (the reader's only dependency)
    except ImportError as e:
        raise ImportError("reading the TFLite file needs Debian's flatbuffers for /usr/bin/python3: "
                          "apt-get install -y python3-flatbuffers") from e
    if not (READER_DIR / "tflite" / "__init__.py").exists():
        raise FileNotFoundError(f"TFLite reader not found at {READER_DIR} "
                                f"(see {DATA_DIR / 'pretrained' / 'README.md'})")
    if str(READER_DIR) not in sys.path:
        sys.path.insert(0, str(READER_DIR))
    import tflite
    return tflite


NUMPY_TYPES = {0: np.float32, 2: np.int32, 3: np.uint8, 9: np.int8}  # tflite.TensorType FLOAT32, INT32, UINT8, INT8


def dequantise(model, graph, index):
    """Tensor `index` of the graph as float32, TFLite layout: scale · (q − zero_point), per tensor or per channel."""
    t = graph.Tensors(index)
    q = np.frombuffer(model.Buffers(t.Buffer()).DataAsNumpy().tobytes(), dtype=NUMPY_TYPES[t.Type()])
    q = q.reshape(t.ShapeAsNumpy()).astype(np.float64)
    quant = t.Quantization()
    if quant is None or quant.ScaleLength() == 0:
        return torch.from_numpy(q).float()
    shape = [1] * q.ndim
    if quant.ScaleLength() > 1:
        shape[quant.QuantizedDimension()] = -1
    scale = quant.ScaleAsNumpy().reshape(shape)
    zero = quant.ZeroPointAsNumpy().reshape(shape) if quant.ZeroPointLength() else 0
    return torch.from_numpy(scale * (q - zero)).float()


def load_mobilenet_v2(tflite_path=None):
    """A MobileNetV2 holding the dequantised weights of the TFLite file, checked layer by layer against its graph;
    or of a `.pt` state dict that `--save` wrote from it."""
    path = Path(tflite_path) if tflite_path is not None else TFLITE_PATH
    if path.suffix == ".pt" and path.is_file():
        net = MobileNetV2()
        net.load_state_dict(torch.load(path, map_location="cpu"))
        return net.eval()
    if not path.is_file():
        raise FileNotFoundError(f"MobileNetV2 TFLite file not found: {path} (expected at {TFLITE_PATH}; "
                                f"see {DATA_DIR / 'pretrained' / 'README.md'})")
    tflite = import_tflite_reader()
    model = tflite.Model.GetRootAsModel(path.read_bytes(), 0)
    graph = model.Subgraphs(0)
    net = MobileNetV2()
    convs, n_conv, n_add = net.convs(), 0, 0
    for i in range(graph.OperatorsLength()):
        op = graph.Operators(i)
        name = tflite.opcode2name(model.OperatorCodes(op.OpcodeIndex()).BuiltinCode())
        if name in ("CONV_2D", "DEPTHWISE_CONV_2D"):
            assert n_conv < len(convs), f"the graph has more than {len(convs)} convolutions"
            conv, depthwise = convs[n_conv], name == "DEPTHWISE_CONV_2D"
            n_conv += 1
            options = (tflite.DepthwiseConv2DOptions if depthwise else tflite.Conv2DOptions)()
            options.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
            assert depthwise == (conv.groups > 1), f"operator {i} ({name}) is not conv {n_conv - 1}'s kind"
            assert options.Padding() == tflite.Padding.SAME, f"operator {i}: padding is not SAME"
            assert (options.StrideH(), options.StrideW()) == conv.stride, f"operator {i}: stride differs"
            assert (options.DilationHFactor(), options.DilationWFactor()) == (1, 1), f"operator {i}: dilated"
            assert conv.dilation == (1, 1), "load into an undilated MobileNetV2, then dilate (see output_stride_16)"
            relu6 = options.FusedActivationFunction() == tflite.ActivationFunctionType.RELU6
            assert relu6 == conv.relu6, f"operator {i}: fused activation {options.FusedActivationFunction()}"
            assert options.FusedActivationFunction() in (tflite.ActivationFunctionType.NONE,
                                                         tflite.ActivationFunctionType.RELU6)
            weight = dequantise(model, graph, op.Inputs(1))
            # TFLite conv weights are OHWI, depthwise 1HWO; PyTorch wants OIHW and (O,1,H,W)
            weight = weight.permute(3, 0, 1, 2) if depthwise else weight.permute(0, 3, 1, 2)
            bias = dequantise(model, graph, op.Inputs(2))
            assert weight.shape == conv.weight.shape, f"operator {i}: weight {weight.shape} vs {conv.weight.shape}"
            assert bias.shape == conv.bias.shape, f"operator {i}: bias {bias.shape} vs {conv.bias.shape}"
            with torch.no_grad():
                conv.weight.copy_(weight)
                conv.bias.copy_(bias)
        elif name == "ADD":
            n_add += 1
        elif name not in ("AVERAGE_POOL_2D", "RESHAPE", "SOFTMAX"):
            raise ValueError(f"operator {i}: unexpected {name} in a MobileNetV2 graph")
    assert n_conv == len(convs) == 53, f"{n_conv} convs in the graph, {len(convs)} in the module (52 + classifier)"
    assert n_add == sum(b.residual for b in net.blocks), f"{n_add} residual ADDs in the graph"
    return net.eval()


def imagenet_labels():
    if not LABELS_PATH.is_file():
        raise FileNotFoundError(f"ImageNet labels not found: {LABELS_PATH}")
    return LABELS_PATH.read_text().splitlines()


@torch.no_grad()
def classify_file(path, k=5, net=None):
    """→ the top-k (label, probability) of an image file, resized to 224×224 (PIL bilinear, RGB)."""
    from PIL import Image
    net = net if net is not None else load_mobilenet_v2()
    image = Image.open(path).convert("RGB").resize((224, 224), Image.BILINEAR)
    x = torch.from_numpy(np.asarray(image, dtype=np.float32) / 127.5 - 1).permute(2, 0, 1)[None]  # [1,3,224,224]
    probs = net(x).softmax(-1)[0]  # [1001]
    top = probs.topk(k)
    labels = imagenet_labels()
    return [(labels[j], p) for p, j in zip(top.values.tolist(), top.indices.tolist())]


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--save":
        torch.save(load_mobilenet_v2().state_dict(), sys.argv[2])
        print(f"wrote {sys.argv[2]}")
    elif len(sys.argv) == 2 and not sys.argv[1].startswith("-"):
        for label, p in classify_file(sys.argv[1]):
            print(f"{p:.4f}  {label}")
    else:
        sys.exit("usage: /usr/bin/python3 -m training.mobilenet_v2 IMAGE | --save OUT.pt")
