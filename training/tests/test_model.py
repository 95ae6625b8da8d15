"""SerpentVLM behaviour: p_txt in training equals what the engine pools step by step with the KV cache, the cache
path equals the full pass, two views average, and the model learns (overfits one batch)."""
import unittest

import torch
import torch.nn.functional as F

from training.model import ModelConfig, SerpentVLM

TINY = dict(vis_channels=(8, 16, 16, 32), vis_extra_blocks=0, d_model=32, n_layers=2, n_heads=2, vocab_size=40,
            max_text_len=16, dropout=0.0)


def batch(seed=0, b=3):
    g = torch.Generator().manual_seed(seed)
    pixels = torch.randn(b + 1, 1, 128, 128, generator=g)
    view_idx = torch.tensor([[0, -1], [1, 3], [2, -1]])[:b]
    tokens = torch.zeros(b, 12, dtype=torch.long)
    for i, n in enumerate([10, 7, 4][:b]):
        tokens[i, 0] = 1
        tokens[i, 1:n] = torch.randint(5, 40, (n - 1,), generator=g)
        tokens[i, n] = 2
    return pixels, view_idx, tokens


class ModelTest(unittest.TestCase):
    def setUp(self):
        torch.manual_seed(0)
        self.model = SerpentVLM(ModelConfig(**TINY)).eval()

    def test_p_txt_matches_incremental_decoding(self):
        m = self.model
        pixels, view_idx, tokens = batch()
        with torch.no_grad():
            out = m(pixels, view_idx, tokens)
            img = m.study_tokens(pixels, view_idx)
            for b in range(tokens.shape[0]):
                ids = [int(t) for t in tokens[b] if int(t) not in (0, 1, 2)]  # report tokens, fed one by one
                h, past = m.decoder(torch.cat([img[b:b + 1], m.decoder.tok(torch.tensor([[1]]))], 1))
                embeds = []
                for t in ids:
                    h, past = m.decoder(m.decoder.tok(torch.tensor([[t]])), past)
                    embeds.append(m.token_embeds(h[:, -1]))
                p_txt = torch.cat(embeds).mean(0)
                torch.testing.assert_close(out["p_txt"][b], p_txt, atol=1e-5, rtol=1e-4)
                torch.testing.assert_close(out["p_img"][b], m.patch_embeds(img)[b].mean(0))

    def test_cached_logits_equal_full_pass(self):
        m = self.model
        pixels, view_idx, tokens = batch()
        with torch.no_grad():
            img = m.study_tokens(pixels, view_idx)
            full, _ = m.decoder(torch.cat([img, m.decoder.tok(tokens)], 1))
            h, past = m.decoder(torch.cat([img, m.decoder.tok(tokens[:, :1])], 1))
            steps = [h[:, -1]]
            for j in range(1, tokens.shape[1]):
                h, past = m.decoder(m.decoder.tok(tokens[:, j:j + 1]), past)
                steps.append(h[:, -1])
        torch.testing.assert_close(torch.stack(steps, 1), full[:, img.shape[1]:], atol=1e-5, rtol=1e-4)

    def test_two_views_are_averaged(self):
        m = self.model
        pixels, view_idx, _ = batch()
        with torch.no_grad():
            feats = m.image_tokens(pixels)
            torch.testing.assert_close(m.study_tokens(pixels, view_idx)[1], 0.5 * (feats[1] + feats[3]))
            torch.testing.assert_close(m.study_tokens(pixels, view_idx)[0], feats[0])

    def test_lambda_zero_is_plain_cross_entropy_and_refine_is_one_minus_cos(self):
        pixels, view_idx, tokens = batch()
        with torch.no_grad():
            out0 = self.model(pixels, view_idx, tokens, lam=0.0)
            out1 = self.model(pixels, view_idx, tokens, lam=1.0)
        torch.testing.assert_close(out0["loss"], out0["ce"])
        cos = F.cosine_similarity(out1["p_img"], out1["p_txt"], dim=-1)
        torch.testing.assert_close(out1["refine"], (1 - cos).mean())
        torch.testing.assert_close(out1["loss"], out1["ce"] + out1["refine"])

    def test_learns_one_batch(self):
        m = self.model.train()
        pixels, view_idx, tokens = batch()
        opt = torch.optim.AdamW(m.parameters(), lr=3e-3)
        first = None
        for _ in range(60):
            out = m(pixels, view_idx, tokens, lam=0.5)
            opt.zero_grad()
            out["loss"].backward()
            opt.step()
            first = first if first is not None else float(out["ce"])
        self.assertLess(float(out["ce"]), 0.3 * first)
        self.assertGreater(float(out["sim"]), 0.5)
        m.eval()
        with torch.no_grad():
            gen = m.generate_greedy(pixels, view_idx)
        self.assertEqual(gen[2], [int(t) for t in tokens[2, 1:4]])


if __name__ == "__main__":
    unittest.main()


class StandardiseTest(unittest.TestCase):
    def test_training_uses_masked_batch_statistics_and_inference_the_running_ones(self):
        from training.model import Standardise
        torch.manual_seed(0)
        norm = Standardise(4, momentum=1.0).train()
        x = torch.randn(2, 5, 4) * 3 + 7  # [B,T,E]
        mask = torch.ones(2, 5)
        mask[:, -1] = 0  # last position is padding: it must not enter the statistics
        x[:, -1] = 1000.0
        y = norm(x, mask)
        kept = y[mask > 0]
        torch.testing.assert_close(kept.mean(0), torch.zeros(4), atol=1e-5, rtol=0)
        torch.testing.assert_close(kept.std(0, unbiased=False), torch.ones(4), atol=1e-4, rtol=0)
        norm.eval()  # momentum 1: running statistics are the last batch's
        torch.testing.assert_close(norm(x)[mask > 0], kept, atol=1e-5, rtol=1e-5)
