"""The lesion map: training moves only blocks 6–12 and the head and pulls the map's peak onto the annotated cells, the
pointing score counts a hit only where the peak touches the annotation, the ONNX file computes PyTorch's map (per view,
summing to 1, names from modelIO.json), writing it sets manifest.lesion_map, and val annotations are read from the
split asked for, never from train."""
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx
import torch

from training.lesion_map import FINDINGS, GRID, MIN_PEAK, LesionMap, LesionMapConfig, pointing, train, verify_onnx, write_lesion_map
from training.mobilenet_v2 import MobileNetV2
from training.modelio import load_model_io
from training.similarity_data import box_targets


def random_map(seed=0):
    torch.manual_seed(seed)
    return LesionMap(MobileNetV2(), pixel_mean=0.5, pixel_std=0.25).eval()


def one_cell_targets(cells):
    t = np.zeros((len(cells), GRID * GRID), np.float32)
    t[np.arange(len(cells)), cells] = 1
    return t


class LesionMapTest(unittest.TestCase):
    def test_training_moves_the_middle_blocks_not_the_imagenet_ones_and_learns_where_the_lesion_is(self):
        net = random_map()
        frozen = [p.detach().clone() for p in net.frozen.parameters()]
        trained = [p.detach().clone() for p in net.blocks.parameters()]
        rng = np.random.default_rng(0)
        # features that carry a bright spot where the lesion is: the map should learn to peak there
        cells = rng.integers(0, GRID * GRID, 24)
        feats = torch.from_numpy(rng.standard_normal((24, 32, 2 * GRID, 2 * GRID)).astype(np.float32)) * 0.1
        for i, c in enumerate(cells):
            r, k = divmod(int(c), GRID)
            feats[i, :, 2 * r:2 * r + 2, 2 * k:2 * k + 2] += 3.0
        targets = one_cell_targets(cells)
        before = pointing(net, feats, feats.flip(-1), targets, [f"jsrt/{i}" for i in range(24)])["jsrt"][0]
        train(net, feats, feats.flip(-1), targets, LesionMapConfig(epochs=30, batch_size=8), log=lambda *_: None)
        self.assertTrue(all(torch.equal(a, b) for a, b in zip(frozen, net.frozen.parameters())))
        self.assertFalse(all(torch.equal(a, b) for a, b in zip(trained, net.blocks.parameters())))
        after = pointing(net, feats, feats.flip(-1), targets, [f"jsrt/{i}" for i in range(24)])["jsrt"]
        self.assertGreater(after[0], before)
        self.assertGreaterEqual(after[0], 18, f"{after[0]}/24 peaks on the spot after training")

    def test_pointing_counts_a_hit_only_where_the_peak_touches_the_annotation_per_source(self):
        net = random_map()
        feats = torch.from_numpy(np.random.default_rng(2).standard_normal((3, 32, 2 * GRID, 2 * GRID)).astype(np.float32))
        with torch.no_grad():
            peaks = net.both(feats, feats.flip(-1)).argmax(1).numpy()
        targets = one_cell_targets([peaks[0], (peaks[1] + 1) % (GRID * GRID), peaks[2]])
        self.assertEqual(pointing(net, feats, feats.flip(-1), targets, ["jsrt/a", "jsrt/b", "nih64/c"]), {"jsrt": [1, 2], "nih64": [1, 1]})

    def test_the_onnx_file_gives_pytorchs_map_per_view(self):
        net = random_map()
        names = load_model_io()["lesionMap"]
        x = np.random.default_rng(0).standard_normal((3, 1, 64, 64)).astype(np.float32)
        with tempfile.TemporaryDirectory() as tmp:
            manifest = {"preprocessing": {"image_size": 64}}
            entry, diff, peaks = write_lesion_map(tmp, manifest, net, x)
            path = Path(tmp) / entry["path"]
            graph = onnx.load(str(path)).graph
            self.assertEqual([i.name for i in graph.input], [names["inputs"]["pixels"]])
            self.assertEqual([o.name for o in graph.output], [names["outputs"]["map"]])
            self.assertTrue(any(n.op_type == "DequantizeLinear" for n in graph.node), "weights are stored in int8")
            self.assertLess(diff, 5e-2)
            self.assertEqual(verify_onnx(net, path, x), (diff, peaks))
            written = json.loads((Path(tmp) / "manifest.json").read_text())
            self.assertEqual(written["lesion_map"], entry)
            self.assertEqual((entry["grid"], entry["findings"], entry["min_peak"]), ([GRID, GRID], FINDINGS, MIN_PEAK))
            self.assertEqual(entry["bytes"], path.stat().st_size)
        with torch.no_grad():
            probs = torch.softmax(net(torch.from_numpy(x)), 1)
        self.assertEqual(tuple(probs.shape), (3, GRID * GRID))
        np.testing.assert_allclose(probs.sum(1).numpy(), 1, atol=1e-5)

    def test_annotations_come_from_the_split_asked_for(self):
        with tempfile.TemporaryDirectory() as tmp:
            cxr = Path(tmp) / "cxr"
            cxr.mkdir()
            rows = [{"id": "jsrt/t", "split": "train", "width": 224, "height": 224,
                     "nodule": {"x": 300.0, "y": 300.0, "size_mm": 10.0}},
                    {"id": "jsrt/v", "split": "val", "width": 224, "height": 224,
                     "nodule": {"x": 1700.0, "y": 1700.0, "size_mm": 10.0}}]
            (cxr / "manifest.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
            train_cells = box_targets(tmp, ["jsrt/t", "jsrt/v"], GRID, 128)
            val_cells = box_targets(tmp, ["jsrt/t", "jsrt/v"], GRID, 128, split="val")
        self.assertEqual(list(train_cells), ["jsrt/t"])
        self.assertEqual(list(val_cells), ["jsrt/v"])
        self.assertEqual(int(np.argmax(train_cells["jsrt/t"])), 2 * GRID + 2)  # (300, 300) of 2048 → row 2, col 2
        self.assertGreater(int(np.argmax(val_cells["jsrt/v"])), GRID * (GRID - 3))  # near the bottom right


if __name__ == "__main__":
    unittest.main()
