"""The PyTorch CPU side of `npm run bench:peer` (bench/peer.ts runs it with /usr/bin/python3).

The same workloads as ours (bench/deep.ts, bench/ufm.ts), built the same way:
  mlp-sgd / mlp-adam  MLP 784-512-256 (ReLU) + projection 128, ReLU head, L2-normalised, SupCon loss (tau 0.1,
                      one view, mean over positives), B = 256; SGD momentum 0.9 + weight decay 5e-4 / Adam 1e-3
  cnn-sgd             [conv3x3(32) relu maxpool] [conv3x3(64) relu maxpool] dense(128) relu + projection 128,
                      32x32x3 images, B = 128, SGD as above (NHWC in ours, NCHW here: each side's native layout)
  ufm-step            the UFM: n = 1000 free unit-norm embeddings, d = 64, k = 10, tau = 0.1, one full-batch
                      projected-GD step (loss + gradient, step, ReLU and row normalisation)
Prints one JSON object: {"torch": version, "threads": n, "blas": ..., "rows": [{"workload", "steps_per_s"}]}.
Usage: python3 bench/peer.py --threads N [--only workload,...] [--reps R]
"""
import argparse
import json
import statistics
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except ImportError as e:  # bench/peer.ts reports this and prints our numbers alone
    print(json.dumps({"error": "torch is not installed for %s: %s" % (sys.executable, e)}))
    sys.exit(3)


def supcon(z, labels, tau):
    """Mean over anchors of -mean_{p in P(i)} log softmax_{a != i}(z_i . z_a / tau)[p]."""
    b = z.shape[0]
    s = z @ z.t() / tau
    self_mask = torch.eye(b, dtype=torch.bool)
    s = s.masked_fill(self_mask, float("-inf"))
    log_prob = s - torch.logsumexp(s, dim=1, keepdim=True)
    pos = (labels[:, None] == labels[None, :]) & ~self_mask
    npos = pos.sum(1).clamp(min=1)
    return -(log_prob.masked_fill(~pos, 0).sum(1) / npos).mean()


def head(x):
    return F.normalize(torch.relu(x), dim=1, eps=1e-12)


def mlp():
    return torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 128),
    )


def cnn():
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 32, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3, padding=1), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Linear(64 * 8 * 8, 128), torch.nn.ReLU(),
        torch.nn.Linear(128, 128),
    )


def deep_rate(model, x, labels, opt_name, steps):
    if opt_name == "sgd":
        opt = torch.optim.SGD(model.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)
    else:
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)

    def step():
        opt.zero_grad(set_to_none=True)
        loss = supcon(head(model(x)), labels, 0.1)
        loss.backward()
        opt.step()
        return loss.item()

    for _ in range(2):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - t0)


def ufm_rate(steps):
    n, d, k, tau, lr = 1000, 64, 10, 0.1, 0.01
    g = torch.Generator().manual_seed(0)
    h = F.normalize(torch.rand(n, d, generator=g), dim=1).requires_grad_(True)
    labels = torch.arange(n) % k

    def step():
        loss = supcon(h, labels, tau) * n  # the UFM objective sums over anchors
        (grad,) = torch.autograd.grad(loss, h)
        with torch.no_grad():
            h.sub_(lr * grad).clamp_(min=0)
            h.div_(h.norm(dim=1, keepdim=True).clamp(min=1e-12))
        return loss.item()

    for _ in range(5):
        step()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    return steps / (time.perf_counter() - t0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, required=True)
    ap.add_argument("--only", default="mlp-sgd,mlp-adam,cnn-sgd,ufm-step")
    ap.add_argument("--reps", type=int, default=3)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    try:
        torch.set_num_interop_threads(1)
    except RuntimeError:
        pass
    torch.manual_seed(0)
    xm = torch.rand(256, 784)
    lm = torch.arange(256) % 10
    xc = torch.rand(128, 3, 32, 32)
    lc = torch.arange(128) % 10
    rows = []
    for w in a.only.split(","):
        rates = []
        for _ in range(a.reps):
            if w == "mlp-sgd":
                rates.append(deep_rate(mlp(), xm, lm, "sgd", 40))
            elif w == "mlp-adam":
                rates.append(deep_rate(mlp(), xm, lm, "adam", 40))
            elif w == "cnn-sgd":
                rates.append(deep_rate(cnn(), xc, lc, "sgd", 8))
            elif w == "ufm-step":
                rates.append(ufm_rate(40))
            else:
                raise SystemExit("unknown workload " + w)
        rows.append({"workload": w, "steps_per_s": statistics.median(rates), "all": rates})
    with open("/proc/self/maps") as f:  # which BLAS library the process really loaded
        blas = sorted({l.split()[-1] for l in f if "blas" in l.lower() and l.split()[-1].startswith("/")})
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "blas": blas, "rows": rows}))


if __name__ == "__main__":
    main()
