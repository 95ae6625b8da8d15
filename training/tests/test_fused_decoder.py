"""The fused decoder graph (fused_decoder.py) against the traced one from the same weights, the weights read back from a
traced file, the fused-prefix graph (the image prefix's cache shared by all rows) in its own calling convention, and
fuse_model on traced and fused model folders."""
import json
import tempfile
import unittest
from collections import Counter
from pathlib import Path

import numpy as np
import onnx
import torch

from training.decoder_calls import first_feeds, next_feeds
from training.export import TINY_CONFIG, verify_model_folder, write_model_folder
from training.fuse_model import FuseError, fuse_model_folder, max_logit_difference
from training.fused_decoder import build_fused_decoder, weights_from_model, weights_from_traced_onnx
from training.manifest import default_decoding, default_findings
from training.model import ModelConfig, SerpentVLM
from training.modelio import decoder_names, load_model_io, new_kv_names, prefix_names
from training.new_kv_outputs import NewKvError, add_to_folder, check_new_kv
from training.ort_node import run_onnx


def _tiny_model(seed=0):
    torch.manual_seed(seed)
    model = SerpentVLM(ModelConfig(vocab_size=40, **TINY_CONFIG)).eval()
    with torch.no_grad():  # non-trivial norms and text statistics, so that a wrong fold shows
        for name, p in model.named_parameters():
            if "ln" in name:
                p.add_(0.1 * torch.randn_like(p))
        model.text_norm.running_mean.normal_(0, 0.1)
        model.text_norm.running_var.uniform_(0.5, 2.0)
    return model


def _write(model, out_dir, decoder_graph):
    return write_model_folder(model, out_dir, tokenizer={}, model_id="fused-test", version="1.2.3",
                              created="2020-01-01T00:00:00Z", image_size=model.cfg.image_size, pixel_mean=0.5,
                              pixel_std=0.25, max_length=model.cfg.max_text_len, findings=default_findings(),
                              ood={"mean": [0.0], "var": [1.0], "threshold": 1.0},
                              decoding=default_decoding(model.cfg.max_text_len), training={},
                              decoder_graph=decoder_graph)


class FusedDecoderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.root = Path(cls.tmp.name)
        cls.model = _tiny_model()
        cls.traced = _write(cls.model, cls.root / "traced", "traced")
        cls.fused = _write(cls.model, cls.root / "fused", "fused")

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def decoder(self, which, precision="fp32"):
        manifest = self.traced if which == "traced" else self.fused
        return str(self.root / which / manifest["files"][precision]["decoder_model_merged"]["path"])

    def test_every_output_matches_the_traced_graph(self):
        arch = self.fused["architecture"]
        in_names, out_names = decoder_names(load_model_io(), arch["n_layers"])
        rng = np.random.default_rng(1)
        empty = np.zeros((2, arch["n_heads"], 0, arch["head_dim"]), np.float32)
        feeds = {in_names[0]: rng.standard_normal((2, 7, arch["d_model"])).astype(np.float32),
                 in_names[1]: np.array([0, 1], np.int64), **{n: empty for n in in_names[2:]}}
        traced, fused = run_onnx([(self.decoder("traced"), feeds), (self.decoder("fused"), feeds)])
        for name in out_names:
            self.assertEqual(traced[name].shape, fused[name].shape, name)
            self.assertLess(float(np.abs(traced[name] - fused[name]).max()), 1e-4, name)
        for precision in ("fp32", "int8", "q4"):  # cached steps with reordered beams, every precision
            diff = max_logit_difference(self.decoder("traced", precision), self.decoder("fused", precision), arch)
            self.assertLess(diff, 1e-3, precision)

    def test_fewer_nodes_of_fused_operators(self):
        traced = onnx.load(self.decoder("traced")).graph.node
        fused = Counter(n.op_type for n in onnx.load(self.decoder("fused")).graph.node)
        layers = self.fused["architecture"]["n_layers"]
        self.assertEqual(fused["GroupQueryAttention"], layers)
        self.assertEqual(fused["SkipLayerNormalization"], 2 * layers)
        self.assertEqual(fused["BiasGelu"], layers)
        self.assertLess(sum(fused.values()), len(traced) / 3)

    def test_weights_read_back_from_a_traced_file(self):
        want = weights_from_model(self.model)
        got = weights_from_traced_onnx(self.decoder("traced"))
        self.assertEqual(set(got), set(want))
        for k in want:
            np.testing.assert_allclose(got[k], want[k], atol=1e-6, err_msg=k)

    def test_fuse_model_folder_rewrites_a_traced_folder(self):
        folder = self.root / "refuse"
        manifest = _write(self.model, folder, "traced")
        manifest, differences = fuse_model_folder(folder, manifest, "fused")
        self.assertEqual(set(differences), {"fp32", "int8", "q4"})
        self.assertEqual(manifest["architecture"]["decoder_graph"], "fused")
        self.assertEqual(manifest["version"], "1.2.4")
        for precision, files in manifest["files"].items():
            path = folder / files["decoder_model_merged"]["path"]
            self.assertEqual(files["decoder_model_merged"]["bytes"], path.stat().st_size)
            ops = {n.op_type for n in onnx.load(str(path)).graph.node}
            self.assertIn("GroupQueryAttention", ops, precision)
        verify_model_folder(folder, manifest)
        with self.assertRaises(FuseError):
            fuse_model_folder(folder, json.loads(json.dumps(manifest)), "fused")

    def test_shared_prefix_graph_matches_the_traced_graph(self):
        """The fused-prefix graph in its own convention (decoder_calls.py) against the traced one: the first call, then
        cached steps with beams reordered, every precision; a teacher-forced call (T > 1 after a cached report) too,
        which GroupQueryAttention refuses with several rows and the written-out attention must mask causally."""
        prefix = self.root / "prefix"
        manifest = _write(self.model, prefix, "fused-prefix")
        arch, io = manifest["architecture"], load_model_io()
        self.assertEqual(arch["decoder_graph"], "fused-prefix")
        _, out_names = decoder_names(io, arch["n_layers"])
        for precision in ("fp32", "int8", "q4"):
            diff = max_logit_difference(self.decoder("traced", precision),
                                        str(prefix / manifest["files"][precision]["decoder_model_merged"]["path"]),
                                        arch, old_graph="traced", new_graph="fused-prefix")
            self.assertLess(diff, 1e-3, precision)
        rng = np.random.default_rng(2)
        D, n_prefix = arch["d_model"], arch["n_image_tokens"] + 1
        whole = rng.standard_normal((1, n_prefix + 5, D)).astype(np.float32)
        path = str(prefix / manifest["files"]["fp32"]["decoder_model_merged"]["path"])
        traced_all, = run_onnx([(self.decoder("traced"), first_feeds(io, arch, "traced", whole))])
        first, = run_onnx([(path, first_feeds(io, arch, "fused-prefix", whole[:, :n_prefix]))])
        steps = next_feeds(io, arch, "fused-prefix", whole[:, n_prefix:n_prefix + 2], [0], first)
        two, = run_onnx([(path, steps)])
        three, = run_onnx([(path, next_feeds(io, arch, "fused-prefix", whole[:, n_prefix + 2:], [0], first, two))])
        got = np.concatenate([first[out_names[0]], two[out_names[0]], three[out_names[0]]], axis=1)
        self.assertEqual(three[out_names[2]].shape[2], 5)  # present.*: the five report positions, no prefix
        self.assertLess(float(np.abs(got - traced_all[out_names[0]]).max()), 1e-4)

    def test_fuse_model_folder_shares_the_prefix_of_a_fused_folder(self):
        folder = self.root / "share"
        manifest = _write(self.model, folder, "fused")
        manifest, differences = fuse_model_folder(folder, manifest)  # the default target: fused-prefix
        self.assertEqual(manifest["architecture"]["decoder_graph"], "fused-prefix")
        self.assertTrue(all(d < 1e-3 for d in differences.values()), differences)
        verify_model_folder(folder, manifest)
        layers = manifest["architecture"]["n_layers"]
        g = onnx.load(str(folder / manifest["files"]["int8"]["decoder_model_merged"]["path"])).graph
        self.assertEqual([i.name for i in g.input][-2 * layers:], prefix_names(load_model_io(), layers))
        with self.assertRaises(FuseError):
            fuse_model_folder(folder, json.loads(json.dumps(manifest)))

    def test_new_kv_outputs_added_to_a_folder_exported_before_them(self):
        """A fused-prefix folder written before new.* existed (simulated: the outputs dropped and the tensors given their
        old names) gets them, every precision, with logits and present.* unchanged; a second run changes nothing, and a
        folder without the fused-prefix graph is refused."""
        folder = self.root / "new-kv"
        manifest = _write(self.model, folder, "fused-prefix")
        layers = manifest["architecture"]["n_layers"]
        names = new_kv_names(load_model_io(), layers)
        old_names = {n: f"{kv}_{i}_bhtd" for i in range(layers) for n, kv in zip(names[2 * i:2 * i + 2], "kv")}
        for entries in manifest["files"].values():
            path = folder / entries["decoder_model_merged"]["path"]
            model = onnx.load(str(path))
            self.assertEqual([o.name for o in model.graph.output][-2 * layers:], names)
            kept = [o for o in model.graph.output if o.name not in old_names]
            del model.graph.output[:]
            model.graph.output.extend(kept)
            for node in model.graph.node:
                node.input[:] = [old_names.get(x, x) for x in node.input]
                node.output[:] = [old_names.get(x, x) for x in node.output]
            onnx.save(model, str(path))
        manifest, checks = add_to_folder(folder, manifest)
        self.assertEqual(sorted(checks), ["fp32", "int8", "q4"])
        self.assertTrue(all(max(c) == 0.0 for c in checks.values()), checks)
        self.assertEqual(manifest["version"], "1.2.4")
        verify_model_folder(folder, manifest)
        int8 = str(folder / manifest["files"]["int8"]["decoder_model_merged"]["path"])
        self.assertEqual([o.name for o in onnx.load(int8).graph.output][-2 * layers:], names)
        self.assertEqual(add_to_folder(folder, manifest)[1], {})
        with self.assertRaises(NewKvError):
            add_to_folder(self.root / "fused", json.loads(json.dumps(self.fused)))

    def test_new_kv_is_the_last_position_of_present(self):
        prefix = self.root / "prefix-new"
        manifest = _write(self.model, prefix, "fused-prefix")
        path = str(prefix / manifest["files"]["fp32"]["decoder_model_merged"]["path"])
        d_logits, d_present, d_new = check_new_kv(path, path, manifest["architecture"])
        self.assertEqual((d_logits, d_present, d_new), (0.0, 0.0, 0.0))

    def test_build_rejects_a_file_that_is_not_a_decoder(self):
        with self.assertRaises(ValueError):
            weights_from_traced_onnx(str(self.root / "fused" / self.fused["files"]["fp32"]["vision_encoder"]["path"]))
        with self.assertRaises(KeyError):
            build_fused_decoder({}, 2, 2, 16)


if __name__ == "__main__":
    unittest.main()
