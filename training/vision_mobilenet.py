"""The MobileNetV2 vision encoder of a report model (ModelConfig.vision = "mobilenet_v2"), optionally initialised
from the ImageNet weights in ../shared/data/pretrained (training/mobilenet_v2.py reads them).

Same contract as model.VisionEncoder: normalised grey pixels [B,1,S,S] → patch features [B,N,C] with learned 2-D
positions, N = (S/16)². The network runs at output stride 16 (its last stage dilated), so a 128 px input gives the
same 8×8 grid as the from-scratch ResNet, with 1280 channels. Grey input goes through a one-channel stem whose
kernel is the RGB stem's summed over colour, which is exactly the pretrained network on a grey image repeated
into R, G and B."""
import torch
import torch.nn as nn

from .mobilenet_v2 import MobileNetV2, SameConv, load_mobilenet_v2, output_stride_16

FEATURE_CHANNELS = 1280
PIXEL_MEAN, PIXEL_STD = 0.5, 0.25  # the corpus normalisation this encoder undoes (train.py checks the corpus meta)


class MobileNetEncoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        net = output_stride_16(MobileNetV2())
        self.stem = SameConv(1, 32, 3, 2)
        self.blocks = net.blocks
        self.last = net.last
        self.pos_row = nn.Parameter(torch.randn(cfg.grid, 1, FEATURE_CHANNELS) * 0.02)  # 2-D position = row + column
        self.pos_col = nn.Parameter(torch.randn(1, cfg.grid, FEATURE_CHANNELS) * 0.02)

    @staticmethod
    def network_input(pixels):
        """Corpus-normalised pixels → MobileNet's [-1,1] range: 2·(std·p + mean) − 1 with mean 0.5."""
        return pixels * (2 * PIXEL_STD)

    def forward(self, pixels):
        x = self.stem(self.network_input(pixels))  # [B,32,S/2,S/2]
        for block in self.blocks:
            x = block(x)
        f = self.last(x)  # [B,1280,g,g]
        f = f.flatten(2).transpose(1, 2)  # [B,N,1280], row-major patches
        pos = (self.pos_row + self.pos_col).flatten(0, 1)  # [N,1280]
        return f + pos

    @torch.no_grad()
    def load_imagenet(self, tflite_path=None):
        """Copies the ImageNet weights in (the classifier is dropped); positions keep their initialisation."""
        net = load_mobilenet_v2(tflite_path)
        self.stem.weight.copy_(net.stem.weight.sum(dim=1, keepdim=True))  # [32,3,3,3] → [32,1,3,3]
        self.stem.bias.copy_(net.stem.bias)
        self.blocks.load_state_dict(net.blocks.state_dict())
        self.last.load_state_dict(net.last.state_dict())
        return self
