"""The image reader: training only moves the top of the network, the ONNX file computes what PyTorch does (int8
weights, names from modelIO.json, one row per view), writing it into a folder sets the manifest's image_reader (and
the finding votes' pointer only when asked), and the evaluation reads bacterial vs viral from the ids."""
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
import torch

from training.finding_reader import micro_f1
from training.image_reader import ImageReader, ImageReaderConfig, evaluate, export_onnx, train_top, verify_onnx, write_reader
from training.mobilenet_v2 import MobileNetV2
from training.modelio import load_model_io

FINDINGS = ["lung_opacity", "consolidation", "pneumonia"]


def random_reader(seed=0):
    torch.manual_seed(seed)
    return ImageReader(MobileNetV2(), len(FINDINGS), pixel_mean=0.5, pixel_std=0.25).eval()


class ImageReaderTest(unittest.TestCase):
    def test_training_moves_the_top_and_leaves_the_imagenet_blocks_as_they_were(self):
        reader = random_reader()
        frozen = [p.detach().clone() for p in reader.frozen.parameters()]
        top = [p.detach().clone() for p in reader.blocks.parameters()]
        rng = np.random.default_rng(0)
        feats = rng.standard_normal((16, 96, 8, 8)).astype(np.float16)
        labels = (rng.random((16, len(FINDINGS))) > 0.5).astype(np.float32)
        train_top(reader, feats, labels, ImageReaderConfig(epochs=1, batch_size=8), log=lambda *_: None)
        self.assertTrue(all(torch.equal(a, b) for a, b in zip(frozen, reader.frozen.parameters())))
        self.assertFalse(all(torch.equal(a, b) for a, b in zip(top, reader.blocks.parameters())))

    def test_the_onnx_file_gives_pytorchs_probabilities_per_view(self):
        reader = random_reader()
        names = load_model_io()["imageReader"]
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "image_reader_int8.onnx"
            export_onnx(reader, path, 64)
            graph = onnx.load(str(path)).graph
            self.assertEqual([i.name for i in graph.input], [names["inputs"]["pixels"]])
            self.assertEqual([o.name for o in graph.output], [names["outputs"]["probabilities"]])
            self.assertTrue(any(n.op_type == "DequantizeLinear" for n in graph.node), "weights are stored in int8")
            x = np.random.default_rng(0).standard_normal((3, 1, 64, 64)).astype(np.float32)
            self.assertLess(verify_onnx(reader, path, x), 5e-2)

    def test_writing_sets_the_image_reader_and_points_the_votes_at_it_only_when_asked(self):
        reader = random_reader()
        x = np.random.default_rng(1).standard_normal((2, 1, 64, 64)).astype(np.float32)
        linear = {"feature": "image_tokens_mean", "findings": FINDINGS, "weights": [[0.0]] * 3, "bias": [0.0] * 3}
        for asked in (False, True):
            with tempfile.TemporaryDirectory() as tmp:
                manifest = {"preprocessing": {"image_size": 64}, "finding_reader": linear}
                entry, _ = write_reader(tmp, manifest, reader, FINDINGS, x, finding_reader=asked)
                written = json.loads((Path(tmp) / "manifest.json").read_text())
                self.assertEqual(written["image_reader"], entry)
                self.assertEqual(entry["path"], "onnx/image_reader_int8.onnx")
                self.assertEqual((entry["findings"], entry["bytes"]), (FINDINGS, (Path(tmp) / entry["path"]).stat().st_size))
                self.assertNotIn("feature", entry)
                self.assertEqual(written["finding_reader"], {"feature": "image_reader"} if asked else linear)

    def test_evaluation_scores_findings_per_source_and_the_pneumonia_type(self):
        records = [{"id": "kermany/a_bacteria_1", "source": "kermany"}, {"id": "kermany/b_virus_2", "source": "kermany"},
                   {"id": "covid_qu/c", "source": "covid_qu"}]
        labels = np.array([[1, 1, 1], [1, 0, 1], [1, 0, 0]], np.float32)
        probs = np.array([[0.9, 0.8, 0.9], [0.9, 0.7, 0.9], [0.2, 0.1, 0.1]], np.float32)
        out = evaluate(probs, labels, records, FINDINGS)
        self.assertEqual(out["bacterial_vs_viral"], {"n": 2, "accuracy": 0.5})  # the viral film read as bacterial
        self.assertEqual(out["covid_qu"]["micro_f1"], 0.0)  # its opacity missed
        f1, hall = micro_f1(torch.from_numpy((probs > 0.5).astype(np.float32)), torch.from_numpy(labels))
        self.assertAlmostEqual(out["micro_f1"], f1)
        self.assertAlmostEqual(hall, 1 / 3)  # the viral film's consolidation


if __name__ == "__main__":
    unittest.main()
