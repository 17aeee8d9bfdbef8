"""BatchNormalization (src/exec/ops/norm.ts): inference with the running statistics; training
with the batch mean and biased variance of the *global* batch — with several processes the
per-channel sums are all-reduced (a differentiable all_reduce, so the gradient is the global
batch's too: a SyncBatchNorm that also runs on CPU and gloo, which torch's own SyncBatchNorm does
not) — and the running statistics updated as PyTorch does:
  running = momentum * running + (1 - momentum) * batch,  unbiased batch variance
(ONNX momentum is PyTorch's 1 - momentum)."""
import torch
import torch.nn.functional as F


# The process group of the statistics' all-reduce (its own, apart from DDP's gradient buckets).
GROUP = None


def all_sum(t):
    if GROUP is None:
        return t
    from torch.distributed.nn.functional import all_reduce
    return all_reduce(t, group=GROUP)


def batch_norm(node, net):
    eps = node['attrs'].get('epsilon', 1e-5)
    momentum = node['attrs'].get('momentum', 0.9)

    def run(a, training):
        x, scale, bias, rmean, rvar = a[:5]
        if not training:
            return [F.batch_norm(x, rmean, rvar, scale, bias, False, 0.0, eps)]
        if GROUP is None:
            # One process: the same statistics and updates in torch's fused kernel (a third of the step's time otherwise).
            return [F.batch_norm(x, rmean, rvar, scale, bias, True, 1 - momentum, eps)]
        dims = [0] + list(range(2, x.dim()))
        shape = [1, x.shape[1]] + [1] * (x.dim() - 2)
        local = torch.tensor([x.numel() // x.shape[1]], dtype=x.dtype, device=x.device)
        stats = all_sum(torch.cat([x.sum(dims), local]))
        count = stats[-1].detach()
        mean = stats[:-1] / count
        centred = x - mean.reshape(shape)
        var = all_sum(torch.square(centred).sum(dims)) / count
        y = centred * torch.rsqrt(var + eps).reshape(shape) * scale.reshape(shape) + bias.reshape(shape)
        with torch.no_grad():
            n = float(count)
            rmean.mul_(momentum).add_(mean.detach() * (1 - momentum))
            rvar.mul_(momentum).add_(var.detach() * (n / max(n - 1, 1)) * (1 - momentum))
        return [y]
    return run
