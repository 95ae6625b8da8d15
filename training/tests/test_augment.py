"""The robust augmentation recipe: blur, noise, gamma and contrast do what they say, per image, and only when drawn."""
import unittest

import torch

from training.augment import augment_and_normalise, degrade, gaussian_blur


def checkerboard(m=3, size=32, cell=2):
    r = torch.arange(size)
    board = ((r.view(-1, 1) // cell + r.view(1, -1) // cell) % 2).float()  # [S,S] of 0/1
    return board.expand(m, 1, size, size).clone()


class BlurTest(unittest.TestCase):
    def test_sigma_zero_is_the_identity(self):
        x = torch.rand(2, 1, 16, 16)
        torch.testing.assert_close(gaussian_blur(x, torch.zeros(2)), x)

    def test_each_image_gets_its_own_sigma(self):
        y = gaussian_blur(checkerboard(), torch.tensor([0.0, 1.0, 2.0]))
        spread = [float(y[i].std()) for i in range(3)]
        self.assertGreater(spread[0], spread[1])
        self.assertGreater(spread[1], spread[2])  # more blur, less contrast left in the fine pattern
        torch.testing.assert_close(y.mean(dim=(1, 2, 3)), torch.full((3,), 0.5), atol=0.02, rtol=0)


class DegradeTest(unittest.TestCase):
    def test_nothing_drawn_leaves_the_image(self):
        x = torch.rand(4, 1, 16, 16)
        torch.testing.assert_close(degrade(x, p=0.0), x)

    def test_noise_when_drawn(self):
        flat = torch.full((64, 1, 16, 16), 0.5)
        y = degrade(flat, p=1.0, blur=0.0, gamma=(1.0, 1.0), contrast=(1.0, 1.0), noise=0.15)
        per_image = y.std(dim=(1, 2, 3))
        self.assertGreater(float(per_image.max()), 0.1)
        self.assertLess(float(per_image.max()), 0.2)

    def test_gamma_moves_mid_grey(self):
        flat = torch.full((64, 1, 8, 8), 0.5)
        y = degrade(flat, p=1.0, blur=0.0, noise=0.0, contrast=(1.0, 1.0), gamma=(1.4, 1.4))
        torch.testing.assert_close(y, torch.full_like(flat, 0.5 ** 1.4))

    def test_unknown_recipe_is_refused(self):
        with self.assertRaisesRegex(ValueError, "augment recipe"):
            augment_and_normalise(torch.zeros(1, 1, 8, 8), 0.5, 0.25, "strong")


if __name__ == "__main__":
    unittest.main()
