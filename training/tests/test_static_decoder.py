"""The static decoder step (static_decoder.py): its logits and text embeddings match the fused-prefix decoder's over a
prefix call and cached steps with reordered beams, whatever the slots after the new token hold; the CLI writes the
default precision's file into a model folder and lists it; folders without a fused-prefix decoder are refused."""
import json
import tempfile
import unittest
from pathlib import Path

import numpy as np
import onnx

from training.decoder_calls import first_feeds, next_feeds
from training.export import verify_model_folder
from training.fused_decoder import weights_from_model
from training.modelio import decoder_names, load_model_io
from training.ort_node import run_onnx
from training.static_decoder import (StaticDecoderError, build_static_decoder, main, max_logit_difference,
                                     static_from_prefix_call, static_names, write_static_decoders)
from training.tests.test_fused_decoder import _tiny_model, _write


class StaticDecoderTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.root = Path(cls.tmp.name)
        cls.model = _tiny_model()
        cls.prefix = _write(cls.model, cls.root / "prefix", "fused-prefix")
        cfg = cls.model.cfg
        cls.static_path = cls.root / "static.onnx"
        onnx.save(build_static_decoder(weights_from_model(cls.model), cfg.n_layers, cfg.n_heads,
                                       cfg.d_model // cfg.n_heads), str(cls.static_path))

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_matches_the_fused_prefix_decoder(self):
        arch = self.prefix["architecture"]
        fused = str(self.root / "prefix" / self.prefix["files"]["fp32"]["decoder_model_merged"]["path"])
        length = onnx.load(str(self.static_path)).graph.input[3].type.tensor_type.shape.dim[2].dim_value
        self.assertEqual(length, self.model.cfg.max_text_len + arch["n_image_tokens"])  # every position the model has
        self.assertLess(max_logit_difference(fused, str(self.static_path), arch, length), 1e-4)

    def test_slots_after_the_new_token_are_never_read(self):
        arch = self.prefix["architecture"]
        io = load_model_io()
        s_in, s_out = static_names(io, arch["n_layers"])
        _, out_names = decoder_names(io, arch["n_layers"])
        fused = str(self.root / "prefix" / self.prefix["files"]["fp32"]["decoder_model_merged"]["path"])
        rng = np.random.default_rng(1)
        D, N = arch["d_model"], arch["n_image_tokens"] + 1
        first, = run_onnx([(fused, first_feeds(io, arch, "fused-prefix", rng.standard_normal((1, N, D)).astype(
            np.float32)))])
        embeds = rng.standard_normal((2, 1, D)).astype(np.float32)
        length = onnx.load(str(self.static_path)).graph.input[3].type.tensor_type.shape.dim[2].dim_value
        clean = static_from_prefix_call(io, arch, first, 2, length)
        noisy = [c.copy() for c in clean]
        for c in noisy:
            c[:, :, N:] = rng.standard_normal(c[:, :, N:].shape)  # what an earlier search left in later slots
            c[1] = rng.standard_normal(c[1].shape)  # and in a row no parent names
        feeds = lambda past: {s_in[0]: embeds, s_in[1]: np.array([0, 0], np.int32), s_in[2]: np.array([N], np.int32),
                              **dict(zip(s_in[3:], past))}
        a, b = run_onnx([(str(self.static_path), feeds(clean)), (str(self.static_path), feeds(noisy))])
        self.assertEqual(float(np.abs(a[s_out[0]] - b[s_out[0]]).max()), 0.0)
        expected, = run_onnx([(fused, next_feeds(io, arch, "fused-prefix", embeds, [0, 0], first))])
        self.assertLess(float(np.abs(a[out_names[0]] - expected[out_names[0]]).max()), 1e-4)
        # present.*: the past with the new token's slot written, the rest as it was
        self.assertTrue(np.array_equal(a[s_out[2]][:, :, :N], clean[0][[0, 0], :, :N]))
        self.assertFalse(np.allclose(a[s_out[2]][:, :, N], 0))

    def test_cli_writes_the_default_precision_and_lists_it(self):
        folder = self.root / "cli"
        manifest = _write(self.model, folder, "fused-prefix")
        self.assertEqual(main(["--model", str(folder)]), 0)
        manifest = json.loads((folder / "manifest.json").read_text())
        default = manifest["default_precision"]
        entry = manifest["files"][default]["decoder_static"]
        self.assertTrue((folder / entry["path"]).exists())
        self.assertEqual([p for p, f in manifest["files"].items() if "decoder_static" in f], [default])
        self.assertEqual(manifest["architecture"]["static_cache_length"],
                         self.model.cfg.max_text_len + manifest["architecture"]["n_image_tokens"])
        verify_model_folder(folder, manifest)

    def test_refuses_a_folder_without_a_fused_prefix_decoder(self):
        folder = self.root / "traced"
        manifest = _write(self.model, folder, "traced")
        with self.assertRaisesRegex(StaticDecoderError, "fuse_model"):
            write_static_decoders(folder, manifest)
        self.assertEqual(main(["--model", str(self.root / "nowhere")]), 2)


if __name__ == "__main__":
    unittest.main()
