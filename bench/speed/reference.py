"""PyTorch (and NumPy) reference for `npm run bench:speed`.

Runs the two fixed GAN configurations of bench/speed (T1: toy MLP GAN,
C1: MNIST-shaped DCGAN) and two GEMM sizes, and prints one JSON object on
stdout. Run with Debian's interpreter, which has python3-torch:

    /usr/bin/python3 bench/speed/reference.py --threads 2 --only T1

The step is the canonical PyTorch DCGAN step: one fake batch G(z); D is
updated on real and fake.detach() (two D calls, so batch norm sees each
batch alone); then G is updated through the updated D on the same fake.
The modescope side (bench/speed/gan.ts) does exactly the same work.
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def t1_models():
    """T1: z 2; G 2-128-128-128-2, D 2-128-128-128-1, ReLU."""
    g = nn.Sequential(
        nn.Linear(2, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
        nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 2))
    d = nn.Sequential(
        nn.Linear(2, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
        nn.Linear(128, 128), nn.ReLU(), nn.Linear(128, 1))
    return g, d, 2, 256, lambda n: torch.randn(n, 2)


class C1G(nn.Module):
    """C1 generator: FC to 128x7x7 + BN + ReLU, tconv 128->64 + BN + ReLU,
    tconv 64->1 + tanh (4x4, stride 2, padding 1)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(100, 128 * 7 * 7)
        self.bn0 = nn.BatchNorm1d(128 * 7 * 7)
        self.t1 = nn.ConvTranspose2d(128, 64, 4, 2, 1)
        self.bn1 = nn.BatchNorm2d(64)
        self.t2 = nn.ConvTranspose2d(64, 1, 4, 2, 1)

    def forward(self, z):
        h = F.relu(self.bn0(self.fc(z))).view(-1, 128, 7, 7)
        h = F.relu(self.bn1(self.t1(h)))
        return torch.tanh(self.t2(h))


class C1D(nn.Module):
    """C1 discriminator: conv 1->64 + LeakyReLU(0.2), conv 64->128 + BN +
    LeakyReLU(0.2) (4x4, stride 2, padding 1), FC to 1."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 64, 4, 2, 1)
        self.c2 = nn.Conv2d(64, 128, 4, 2, 1)
        self.bn = nn.BatchNorm2d(128)
        self.fc = nn.Linear(128 * 7 * 7, 1)

    def forward(self, x):
        h = F.leaky_relu(self.c1(x), 0.2)
        h = F.leaky_relu(self.bn(self.c2(h)), 0.2)
        return self.fc(h.flatten(1))


def c1_models():
    return C1G(), C1D(), 100, 64, lambda n: torch.rand(n, 1, 28, 28) * 2 - 1


def bench_gan(make, seconds, warmup):
    """Steady-state steps per second: steps for `warmup` seconds, then for
    about `seconds` (at least 3 steps), as gan.ts's benchGan does."""
    g, d, zdim, batch, real_fn = make()
    og = torch.optim.Adam(g.parameters(), lr=1e-4, betas=(0.5, 0.999))
    od = torch.optim.Adam(d.parameters(), lr=1e-4, betas=(0.5, 0.999))
    # A fixed pool of real batches: data loading is not what is measured.
    reals = [real_fn(batch) for _ in range(8)]

    def step(i):
        real = reals[i % len(reals)]
        z = torch.randn(batch, zdim)
        fake = g(z)
        # Non-saturating loss: D minimises softplus(-D(x)) + softplus(D(G(z))),
        # G minimises softplus(-D(G(z))).
        od.zero_grad(set_to_none=True)
        ld = F.softplus(-d(real)).mean() + F.softplus(d(fake.detach())).mean()
        ld.backward()
        od.step()
        og.zero_grad(set_to_none=True)
        lg = F.softplus(-d(fake)).mean()
        lg.backward()
        og.step()

    i = 0
    w0 = time.perf_counter()
    while i < 2 or time.perf_counter() - w0 < warmup:
        step(i)
        i += 1
    t0 = time.perf_counter()
    steps = 0
    while steps < 3 or time.perf_counter() - t0 < seconds:
        step(i + steps)
        steps += 1
    return steps / (time.perf_counter() - t0)


def bench_gemm(m, k, n, reps):
    a = np.random.rand(m, k).astype(np.float32)
    b = np.random.rand(k, n).astype(np.float32)
    for _ in range(3):
        a @ b
    t0 = time.perf_counter()
    for _ in range(reps):
        a @ b
    dt = (time.perf_counter() - t0) / reps
    return 2.0 * m * k * n / dt / 1e9


def main():
    p = argparse.ArgumentParser()
    p.add_argument('--threads', type=int, default=1)
    p.add_argument('--only', default='')
    p.add_argument('--seconds', type=float, default=3.0)
    p.add_argument('--warmup', type=float, default=2.0)
    p.add_argument('--gemm', action='store_true')
    a = p.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(a.threads)
    out = {'threads': a.threads, 'torch': torch.__version__}
    if a.gemm:
        out['gemm'] = {
            '256x128x128': bench_gemm(256, 128, 128, 2000),
            '1024x1024x1024': bench_gemm(1024, 1024, 1024, 20),
        }
    for name, make in (('T1', t1_models), ('C1', c1_models)):
        if a.only and a.only != name:
            continue
        out[name] = bench_gan(make, a.seconds, a.warmup)
    json.dump(out, sys.stdout)
    print()


if __name__ == '__main__':
    main()
