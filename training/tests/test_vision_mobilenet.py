"""The MobileNetV2 vision encoder (ModelConfig.vision = "mobilenet_v2"): its grey stem is the ImageNet RGB stem on a
repeated grey image, the undilated part equals the pretrained network, the dilated stage keeps the 8×8 grid, and
the exported vision_encoder.onnx computes what PyTorch does. Needs ../shared/data/pretrained (missing fails)."""
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from training.mobilenet_v2 import STRIDE16_BLOCKS, TFLITE_PATH, grey_to_input, load_mobilenet_v2
from training.model import ModelConfig, SerpentVLM
from training.modelio import load_model_io
from training.onnx_export import export_onnx_files
from training.ort_node import run_onnx
from training.vision_mobilenet import FEATURE_CHANNELS, PIXEL_MEAN, PIXEL_STD, MobileNetEncoder

SMALL_DECODER = dict(d_model=32, n_layers=1, n_heads=2, vocab_size=40, max_text_len=16, dropout=0.0)


class MobileNetEncoderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.ready = TFLITE_PATH.is_file()
        if cls.ready:
            cls.net = load_mobilenet_v2()
            cls.enc = MobileNetEncoder(ModelConfig(vision="mobilenet_v2", **SMALL_DECODER)).load_imagenet().eval()

    def setUp(self):
        self.assertTrue(self.ready, f"shared data missing: {TFLITE_PATH} (see ../shared/data/pretrained/README.md)")
        torch.manual_seed(0)
        self.x01 = torch.rand(2, 1, 128, 128)  # grey radiographs in [0,1]
        self.pixels = (self.x01 - PIXEL_MEAN) / PIXEL_STD  # as the corpus loader normalises them

    @torch.no_grad()
    def test_grey_stem_is_the_rgb_stem_on_a_repeated_grey_image(self):
        ours = self.enc.stem(self.enc.network_input(self.pixels))
        theirs = self.net.stem(grey_to_input(self.x01))
        torch.testing.assert_close(ours, theirs, atol=1e-4, rtol=1e-4)

    @torch.no_grad()
    def test_undilated_blocks_equal_the_pretrained_network(self):
        x = self.enc.stem(self.enc.network_input(self.pixels))
        for block in self.enc.blocks[:STRIDE16_BLOCKS]:
            x = block(x)
        torch.testing.assert_close(x, self.net.features(grey_to_input(self.x01), 16), atol=1e-3, rtol=1e-3)

    @torch.no_grad()
    def test_dilated_stage_keeps_the_8x8_grid(self):
        feats = self.enc(self.pixels)
        self.assertEqual(tuple(feats.shape), (2, 64, FEATURE_CHANNELS))
        self.assertTrue(torch.isfinite(feats).all())
        # the dilated stage is not the stride-32 network: its grid is finer, so two halves of the image differ
        self.assertGreater(float((feats[:, :32] - feats[:, 32:]).abs().mean()), 1e-3)

    def test_fresh_encoder_differs_from_imagenet(self):
        fresh = MobileNetEncoder(ModelConfig(vision="mobilenet_v2", **SMALL_DECODER))
        self.assertFalse(torch.equal(fresh.blocks[5].project.weight, self.enc.blocks[5].project.weight))

    def test_exported_vision_encoder_matches_pytorch(self):
        model = SerpentVLM(ModelConfig(vision="mobilenet_v2", **SMALL_DECODER))
        model.vision.load_imagenet()
        model.eval()
        io = load_model_io()["vision"]
        with tempfile.TemporaryDirectory() as tmp:
            paths = export_onnx_files(model, Path(tmp))
            out = run_onnx([(paths["vision_encoder"], {io["inputs"]["pixels"]: self.pixels.numpy()})])[0]
        with torch.no_grad():
            want = model.image_tokens(self.pixels).numpy()
        got = out[io["outputs"]["imageTokens"]]
        self.assertEqual(got.shape, (2, 64, 32))
        np.testing.assert_allclose(got, want, atol=2e-4, rtol=1e-3)


class ConfigTest(unittest.TestCase):
    def test_unknown_encoder_is_refused(self):
        with self.assertRaisesRegex(AssertionError, "unknown vision encoder"):
            ModelConfig(vision="vgg")

    def test_mapper_reads_the_encoder_width(self):
        self.assertEqual(ModelConfig(vision="mobilenet_v2").vision_channels, FEATURE_CHANNELS)
        self.assertEqual(ModelConfig().vision_channels, 256)


if __name__ == "__main__":
    unittest.main()
