"""The optimizer of src/train/optimizer.ts, step for step, with its per-parameter hooks:
  SGD:  g = (grad + wd * w) * gradScale;  v = momentum * v + g;  w = (w - lr * v) * mask + 0
  Adam: the same g, bias-corrected moments, the update zeroed where gradScale is 0, then the mask.
gradScale is the pruning mask, or in the Winograd domain the mask times Γ^-p; the mask holds
pruned weights at exactly +0 after every step. Slots (momentum; Adam's m and s) are kept by
parameter name in ONNX layout, so the driver checkpoints them."""
import math

import torch


class Optimizer:
    def __init__(self, config, params, hooks, slots, steps):
        self.config = config
        self.params = params  # name -> nn.Parameter
        self.hooks = hooks  # name -> (mask | None, scale | None)
        self.slots = slots  # name -> [tensor, ...]
        self.steps = steps

    def slot(self, name, p, count):
        s = self.slots.get(name)
        if s is None:
            s = [torch.zeros_like(p) for _ in range(count)]
            self.slots[name] = s
        return s

    @torch.no_grad()
    def step(self, lr):
        self.steps += 1
        c = self.config
        for name, w in self.params.items():
            if w.grad is None:
                continue
            mask, scale = self.hooks.get(name, (None, None))
            g = w.grad + w * c['weightDecay'] if c['weightDecay'] else w.grad
            if scale is not None:
                g = g * scale
            if c['kind'] == 'sgd':
                if c['momentum']:
                    (v,) = self.slot(name, w, 1)
                    nv = v * c['momentum'] + g
                    v.copy_(nv)
                else:
                    nv = g
                update = nv * lr
            else:
                b1, b2, eps = c['beta1'], c['beta2'], c['epsilon']
                m, s = self.slot(name, w, 2)
                m.copy_(m * b1 + g * (1 - b1))
                s.copy_(s * b2 + torch.square(g) * (1 - b2))
                mh = m / (1 - b1 ** self.steps)
                sh = s / (1 - b2 ** self.steps)
                update = mh / (torch.sqrt(sh) + eps) * lr
                if scale is not None:
                    update = update * (scale != 0).to(update.dtype)
            nxt = w - update
            if mask is not None:
                nxt = nxt * mask + 0
            w.copy_(nxt)


def learning_rate(base, schedule, step, steps_per_epoch, total):
    """src/train/lr-schedule.ts: constant; step: base * gamma^floor(epoch / every); cosine."""
    kind = schedule['kind']
    if kind == 'constant':
        return base
    if kind == 'step':
        return base * schedule['gamma'] ** math.floor(step / steps_per_epoch / schedule['every'])
    return base * (1 + math.cos(math.pi * min(step, total) / max(total, 1))) / 2
