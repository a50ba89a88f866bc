"""Python reference timings for `npm run bench:metrics` (run by run.mjs).

FID as pytorch-fid computes it (np.cov, scipy.linalg.sqrtm of S1 S2) and
PRDC as the prdc package computes it (sklearn pairwise_distances, three
full matrices), on the same .npy features. Prints one JSON line.
"""
import json
import resource
import sys
import time

import numpy as np
import scipy.linalg
import sklearn.metrics

real = np.load(sys.argv[1])
fake = np.load(sys.argv[2])
k = int(sys.argv[3])

c0 = time.process_time()
t0 = time.perf_counter()
s = []
for x in (real, fake):
    x = x.astype(np.float64)
    s.append((x.mean(axis=0), np.cov(x, rowvar=False)))
(mu1, s1), (mu2, s2) = s
covmean, _ = scipy.linalg.sqrtm(s1.dot(s2), disp=False)
if not np.isfinite(covmean).all():
    off = np.eye(s1.shape[0]) * 1e-6
    covmean = scipy.linalg.sqrtm((s1 + off).dot(s2 + off))
covmean = covmean.real
diff = mu1 - mu2
fid = float(diff.dot(diff) + np.trace(s1) + np.trace(s2)
            - 2 * np.trace(covmean))
t1 = time.perf_counter()
c1 = time.process_time()


def kth(d, kk):
    idx = np.argpartition(d, kk, axis=-1)[..., :kk]
    return np.take_along_axis(d, idx, axis=-1).max(axis=-1)


rr = kth(sklearn.metrics.pairwise_distances(real, real), k + 1)
fr = kth(sklearn.metrics.pairwise_distances(fake, fake), k + 1)
drf = sklearn.metrics.pairwise_distances(real, fake)
inside = drf < rr[:, None]
res = {'precision': float(inside.any(axis=0).mean()),
       'recall': float((drf < fr[None, :]).any(axis=1).mean()),
       'density': float((1. / k) * inside.sum(axis=0).mean()),
       'coverage': float((drf.min(axis=1) < rr).mean())}
t2 = time.perf_counter()
c2 = time.process_time()
print(json.dumps({'fid': fid, 'fidSeconds': t1 - t0, 'fidCpu': c1 - c0,
                  'prdc': res, 'prdcSeconds': t2 - t1, 'prdcCpu': c2 - c1,
                  'peakRssMiB': resource.getrusage(
                      resource.RUSAGE_SELF).ru_maxrss / 1024}))
