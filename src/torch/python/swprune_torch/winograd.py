"""swprune's WinogradConv (domain ai.swprune, src/exec/ops/conv.ts and src/tfjs-ops/):
stride-1 convolution F(m x m, r x r) whose parameter is the Winograd-domain weight
W [Cout, Cin/group, T, T]; per tile Y = A^T [W ⊙ (B^T d B)] A. Tiles are cut with F.unfold
(stride m) from the input padded to whole tiles, transformed with kron(B^T, B^T), multiplied
per position q with one batched product, transformed back with kron(A^T, A^T), put back and
cropped to the convolution's output; autograd gives the backward pass. The matrices are the
driver's (src/winograd/tiles.ts), passed in the job by tile."""
import math

import torch
import torch.nn.functional as F


def winograd_conv(node, net):
    T = node['attrs'].get('tile', 6)
    r = node['attrs'].get('kernel', 3)
    group = node['attrs'].get('group', 1)
    top, left, bottom, right = list(node['attrs'].get('pads', [0, 0, 0, 0]))
    t = net.tile(T, r)
    m = t['m']
    bt = torch.tensor(t['BT'], dtype=torch.float64)
    at = torch.tensor(t['AT'], dtype=torch.float64)
    kb = torch.kron(bt, bt).float().to(net.device)  # [T*T, T*T]
    ka = torch.kron(at, at).float().to(net.device)  # [m*m, T*T]

    def run(a, training):
        x, w = a[0], a[1]
        bias = a[2] if len(a) > 2 else None
        n, c, h, wd = x.shape
        cout = w.shape[0]
        oh, ow = h + top + bottom - r + 1, wd + left + right - r + 1
        th, tw = math.ceil(oh / m), math.ceil(ow / m)
        x = F.pad(x, (left, tw * m + r - 1 - wd - left, top, th * m + r - 1 - h - top))
        d = F.unfold(x, T, stride=m)  # [N, C*T*T, L]
        tiles = d.shape[2]
        d = d.reshape(n, c, T * T, tiles).permute(2, 0, 3, 1).reshape(T * T, n * tiles * c)
        v = (kb @ d).reshape(T * T, n * tiles, c)  # V_q [P, Cin]
        wq = w.reshape(cout, c // group, T * T).permute(2, 1, 0)  # W_q [Cin/g, Cout]
        if group == 1:
            mm = torch.bmm(v, wq)
        else:
            cg, og, p = c // group, cout // group, n * tiles
            vg = v.reshape(T * T, p, group, cg).permute(0, 2, 1, 3).reshape(T * T * group, p, cg)
            wg = wq.reshape(T * T, cg, group, og).permute(0, 2, 1, 3).reshape(T * T * group, cg, og)
            mm = torch.bmm(vg, wg).reshape(T * T, group, p, og).permute(0, 2, 1, 3).reshape(T * T, p, cout)
        y = (ka @ mm.reshape(T * T, -1)).reshape(m, m, n, th, tw, cout)
        y = y.permute(2, 5, 3, 0, 4, 1).reshape(n, cout, th * m, tw * m)[:, :, :oh, :ow]
        return [y if bias is None else y + bias.reshape(1, -1, 1, 1)]
    return run
