"""PyTorch vs the exported ONNX files run in onnxruntime-node: logits on the first call (prefix + BOS, empty past)
and on cached steps with a non-trivial beam_idx, greedy reports, and int8 / q4 greedy agreement with fp32."""
import tempfile
import unittest
from pathlib import Path

import numpy as np
import torch

from training.augment import normalise
from training.data import CorpusSplit
from training.export import write_model_folder
from training.manifest import default_decoding, ood_stats
from training.decoder_calls import first_feeds, next_feeds
from training.modelio import decoder_names, load_model_io
from training.ort_node import run_onnx
from training.tests.corpus_fixture import write_synthetic_corpus
from training.tests.onnx_harness import greedy_onnx, train_tiny

TOL = 1e-4


class ParityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        root = Path(cls.tmp.name)
        corpus = write_synthetic_corpus(root / "corpus", sizes={"train": 40, "val": 8, "test": 20},
                                        two_view_every=0)
        cls.model, meta = train_tiny(corpus)
        cls.cfg = cls.model.cfg
        test = CorpusSplit(corpus, "test")
        cls.pixels = normalise(torch.from_numpy(np.array(test.pixels)).unsqueeze(1), meta["pixel_mean"],
                               meta["pixel_std"])  # [20,1,S,S]
        with torch.no_grad():
            embeds = cls.model.patch_embeds(cls.model.image_tokens(cls.pixels)).mean(1).numpy()
        cls.dir = root / "model"
        cls.manifest = write_model_folder(
            cls.model, cls.dir, tokenizer={}, model_id="parity", version="0", created="2020-01-01T00:00:00Z",
            image_size=meta["image_size"], pixel_mean=meta["pixel_mean"], pixel_std=meta["pixel_std"],
            max_length=meta["max_length"], findings=meta["findings"], ood=ood_stats(embeds),
            decoding=default_decoding(meta["max_length"]), training={})
        cls.io = load_model_io()
        cls.names = decoder_names(cls.io, cls.cfg.n_layers)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def path(self, key, precision="fp32"):
        return str(self.dir / self.manifest["files"][precision][key]["path"])

    def assert_close(self, got, want, what):
        diff = float(np.abs(np.asarray(got) - np.asarray(want)).max())
        self.assertLessEqual(diff, TOL, f"{what}: max abs diff {diff}")

    def test_vision_and_embed_match(self):
        x = self.pixels[:3]
        r = run_onnx([(self.path("vision_encoder"), {"pixel_values": x.numpy()}),
                      (self.path("embed_tokens"), {"input_ids": np.array([[1, 5, 9]], np.int64)})])
        with torch.no_grad():
            feats = self.model.image_tokens(x)
            patches = self.model.patch_embeds(feats)
            tok = self.model.decoder.tok(torch.tensor([[1, 5, 9]]))
        out = self.io["vision"]["outputs"]
        self.assert_close(r[0][out["imageTokens"]], feats, "image_features")
        self.assert_close(r[0][out["patchEmbeds"]], patches, "patch_embeds")
        self.assert_close(r[0][out["imageEmbed"]], patches.mean(1), "image_embeds")
        self.assert_close(r[1][self.io["embed"]["outputs"]["embeds"]], tok, "inputs_embeds")

    def test_decoder_first_call_and_cached_beam_steps(self):
        m, (ins, outs) = self.model, self.names
        L = self.cfg.n_layers
        with torch.no_grad():
            prefix = torch.cat([m.image_tokens(self.pixels[:1]), m.decoder.tok(torch.tensor([[1]]))], 1)
            h, past = m.decoder(prefix)
        arch = self.manifest["architecture"]
        graph = arch["decoder_graph"]
        first = onnx_out = run_onnx([(self.path("decoder_model_merged"),
                                      first_feeds(self.io, arch, graph, prefix.numpy()))])[0]
        last = None
        self.assert_close(onnx_out[outs[0]], m.lm_head(h).detach(), "first-call logits")
        self.assert_close(onnx_out[outs[1]], m.token_embeds(h).detach(), "first-call text_embeds")
        steps = [([0, 0, 0], [[7], [8], [9]]), ([2, 0, 1], [[10], [11], [12]]), ([1, 1, 2], [[13], [6], [5]])]
        for beam_idx, ids in steps:
            idx = torch.tensor(beam_idx)
            with torch.no_grad():
                emb = m.decoder.tok(torch.tensor(ids))
                h, past = m.decoder(emb, [(k[idx], v[idx]) for k, v in past])
            feeds = next_feeds(self.io, arch, graph, emb.numpy(), beam_idx, first, last)
            onnx_out = last = run_onnx([(self.path("decoder_model_merged"), feeds)])[0]
            self.assert_close(onnx_out[outs[0]], m.lm_head(h).detach(), f"logits beam_idx={beam_idx}")
            self.assert_close(onnx_out[outs[1]], m.token_embeds(h).detach(), f"text_embeds beam_idx={beam_idx}")
            n_prefix = prefix.shape[1]  # the fused-prefix graph's present.* hold only the report's tokens
            cached = slice(n_prefix, None) if graph == "fused-prefix" else slice(None)
            for i in range(L):
                self.assert_close(onnx_out[outs[2 + 2 * i]], past[i][0][:, :, cached], f"present.{i}.key")
                self.assert_close(onnx_out[outs[3 + 2 * i]], past[i][1][:, :, cached], f"present.{i}.value")

    def test_greedy_reports(self):
        with torch.no_grad():
            ref = self.model.generate_greedy(self.pixels, torch.tensor([[i, -1] for i in range(len(self.pixels))]))
        max_len = self.cfg.max_text_len
        self.assertTrue(any(len(r) > 3 for r in ref), "the tiny model should write something")
        fp32 = greedy_onnx(self.dir, "fp32", self.pixels.numpy(), max_len)
        self.assertEqual(fp32, ref, "fp32 ONNX greedy must equal PyTorch greedy")
        rates = {}
        for precision in ("int8", "q4"):
            got = greedy_onnx(self.dir, precision, self.pixels.numpy(), max_len)
            rates[precision] = sum(a == b for a, b in zip(got, fp32)) / len(fp32)
        print(f"\ngreedy agreement with fp32 on {len(fp32)} synthetic images: "
              f"int8 {rates['int8']:.2f}, q4 {rates['q4']:.2f}")
        self.assertGreaterEqual(rates["int8"], 0.75)


if __name__ == "__main__":
    unittest.main()
