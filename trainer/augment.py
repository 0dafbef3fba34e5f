"""Batched data augmentation on whole tensors (no per-image Python loop).

Digits: people draw with other pens, slants, sizes and positions than MNIST's writers, so each
training digit is randomly rotated, sheared, scaled, shifted, elastically bent, and its strokes
thickened or thinned.
Clothing: mirrored left-right and shifted slightly (a shirt is still a shirt when mirrored).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _uniform(n: int, low: float, high: float, generator: torch.Generator) -> torch.Tensor:
    return torch.rand(n, generator=generator) * (high - low) + low


def random_affine(
    images: torch.Tensor,
    generator: torch.Generator,
    degrees: float,
    shear: float,
    scale: tuple[float, float],
    shift: float,
    flip: bool = False,
) -> torch.Tensor:
    """Apply a different random affine transform to every image of an N x 1 x H x W batch."""
    n = images.shape[0]
    angle = _uniform(n, -degrees, degrees, generator) * math.pi / 180
    shear_x = _uniform(n, -shear, shear, generator)
    zoom = _uniform(n, *scale, generator)
    aspect = _uniform(n, 0.9, 1.1, generator)
    sx, sy = zoom * aspect, zoom / aspect
    # affine_grid maps output to input coordinates, so we build the inverse of the wanted warp.
    cos, sin = torch.cos(angle), torch.sin(angle)
    a = torch.stack([torch.stack([cos, -sin], -1), torch.stack([sin, cos], -1)], -2)
    shear_m = torch.zeros(n, 2, 2)
    shear_m[:, 0, 0] = 1
    shear_m[:, 1, 1] = 1
    shear_m[:, 0, 1] = shear_x
    scale_m = torch.diag_embed(torch.stack([sx, sy], -1))
    forward = a @ shear_m @ scale_m
    if flip:
        mirror = torch.where(torch.rand(n, generator=generator) < 0.5, -1.0, 1.0)
        forward = forward * torch.stack([mirror, torch.ones(n)], -1).unsqueeze(1)
    inverse = torch.linalg.inv(forward)
    offset = _uniform(2 * n, -shift, shift, generator).view(n, 2, 1) * 2 / images.shape[-1]
    theta = torch.cat([inverse, offset], dim=2).to(images.device, images.dtype)
    grid = F.affine_grid(theta, list(images.shape), align_corners=False)
    return F.grid_sample(images, grid, align_corners=False, padding_mode="zeros")


def random_stroke_width(images: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
    """Thicken a third of the digits and thin another third, by a random amount."""
    n = images.shape[0]
    thick = F.max_pool2d(images, 3, stride=1, padding=1)
    thin = -F.max_pool2d(-images, 3, stride=1, padding=1)
    choice = torch.randint(0, 3, (n,), generator=generator).to(images.device).view(n, 1, 1, 1)
    amount = torch.rand(n, generator=generator).to(images.device).view(n, 1, 1, 1)
    target = torch.where(choice == 0, thick, torch.where(choice == 1, thin, images))
    return images + amount * (target - images)


def random_elastic(images: torch.Tensor, generator: torch.Generator, strength: float = 2.0,
                   share: float = 0.5) -> torch.Tensor:
    """Bend `share` of the images with a smooth random displacement field (about `strength`
    pixels), like a hand that writes the same digit a little differently every time."""
    n, _, height, width = images.shape
    coarse = torch.randn(n, 2, 4, 4, generator=generator) * (strength * 2 / width)
    coarse *= (torch.rand(n, 1, 1, 1, generator=generator) < share).float()
    field = F.interpolate(coarse, size=(height, width), mode="bicubic", align_corners=True)
    identity = torch.eye(2, 3).expand(n, 2, 3)
    grid = F.affine_grid(identity, list(images.shape), align_corners=False)
    grid = grid + field.permute(0, 2, 3, 1).to(grid.dtype)
    return F.grid_sample(images, grid.to(images.device, images.dtype), align_corners=False,
                         padding_mode="zeros")


def augment(images: torch.Tensor, dataset: str, generator: torch.Generator) -> torch.Tensor:
    """images: N x 1 x 28 x 28 floats in 0..1 (before normalisation)."""
    if dataset == "mnist":
        images = random_elastic(random_stroke_width(images, generator), generator)
        return random_affine(images, generator, degrees=12, shear=0.25, scale=(0.85, 1.1), shift=2)
    return random_affine(images, generator, degrees=0, shear=0, scale=(0.95, 1.05), shift=1.5,
                         flip=True)
