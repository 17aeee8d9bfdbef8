"""The training split of every `--data` kind, read as swprune reads it (src/data/): IDX files
(.gz or not), the CIFAR binary versions, arrays (.npz or a folder of .npy), image folders
(torchvision's ImageFolder with the random-resized crops and flips swprune trains with).
In-memory kinds give uint8 (or float32) HWC images normalised in float32 as torchvision does,
(x / 255 - mean) / std; CIFAR training augments with a random crop of the 4-pixel zero-padded
image and a horizontal flip half the time."""
import gzip
import os

import numpy as np
import torch


class DataError(Exception):
    pass


def read_idx(folder, name, rank):
    for path in (os.path.join(folder, name), os.path.join(folder, name + '.gz')):
        if os.path.exists(path):
            with (gzip.open(path, 'rb') if path.endswith('.gz') else open(path, 'rb')) as f:
                b = f.read()
            if len(b) < 4 or b[0] != 0 or b[1] != 0 or b[2] != 8 or b[3] != rank:
                raise DataError(f'{path}: not an unsigned-byte IDX file of rank {rank}')
            dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], 'big') for i in range(rank)]
            return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)
    raise DataError(f'{folder}: {name}(.gz) not found')


def idx_train(folder):
    x = read_idx(folder, 'train-images-idx3-ubyte', 3)
    y = read_idx(folder, 'train-labels-idx1-ubyte', 1)
    return x.reshape(x.shape[0], x.shape[1], x.shape[2], 1), y


def cifar_dir(folder, first, sub):
    if os.path.exists(os.path.join(folder, first)):
        return folder
    if os.path.exists(os.path.join(folder, sub, first)):
        return os.path.join(folder, sub)
    raise DataError(f'{folder}: {first} not found (also looked in {sub}/)')


def cifar_files(paths, label_bytes, use_label):
    record = label_bytes + 3072
    raw = np.concatenate([np.fromfile(p, dtype=np.uint8).reshape(-1, record) for p in paths])
    images = raw[:, label_bytes:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return np.ascontiguousarray(images), raw[:, use_label].copy()


def cifar10_train(folder):
    d = cifar_dir(folder, 'data_batch_1.bin', 'cifar-10-batches-bin')
    return cifar_files([os.path.join(d, f'data_batch_{i}.bin') for i in range(1, 6)], 1, 0)


def cifar100_train(use_label):
    def read(folder):
        d = cifar_dir(folder, 'train.bin', 'cifar-100-binary')
        return cifar_files([os.path.join(d, 'train.bin')], 2, use_label)
    return read


def arrays_train(path, shape):
    if os.path.isdir(path):
        x = np.load(os.path.join(path, 'x_train.npy'))
        y = np.load(os.path.join(path, 'y_train.npy'))
    else:
        with np.load(path) as z:
            x, y = z['x_train'], z['y_train']
    h, w, c = shape['height'], shape['width'], shape['channels']
    if x.ndim == 3:
        x = x.reshape(x.shape[0], x.shape[1], x.shape[2], 1)
    elif tuple(x.shape[1:]) != (h, w, c) and tuple(x.shape[1:]) == (c, h, w):
        x = x.transpose(0, 2, 3, 1)
    if x.dtype != np.uint8:
        x = x.astype(np.float32)
    return np.ascontiguousarray(x), y.reshape(-1).astype(np.int64)


KINDS = {
    'fashion-mnist': idx_train,
    'mnist': idx_train,
    'cifar10': cifar10_train,
    'cifar100': cifar100_train(1),
    'cifar100-coarse': cifar100_train(0),
}


class MemoryData:
    """A training split held in memory; batch(indices) gives (images in the model's layout, labels)."""

    def __init__(self, spec, nhwc, device):
        kind = spec['kind']
        if kind == 'npz':
            x, y = arrays_train(spec['dir'], spec['shape'])
        else:
            x, y = KINDS[kind](spec['dir'])
        n = min(spec['limit'], len(y)) if spec.get('limit') else len(y)
        self.x, self.y = x[:n], torch.from_numpy(np.asarray(y[:n], dtype=np.int64))
        self.count = n
        self.uint8 = self.x.dtype == np.uint8
        self.mean = torch.tensor(spec['mean'], dtype=torch.float32)
        self.std = torch.tensor(spec['std'], dtype=torch.float32)
        self.augment = bool(spec.get('augment')) and self.uint8
        self.nhwc = nhwc
        self.device = device

    def batch(self, indices, generator):
        idx = np.asarray(indices)
        x = torch.from_numpy(self.x[idx])  # [B, H, W, C]
        x = x.to(torch.float32) / 255 if self.uint8 else x.to(torch.float32)
        x = (x - self.mean) / self.std
        if self.augment:
            x = augmented(x, (-self.mean / self.std), generator)
        if not self.nhwc:
            x = x.permute(0, 3, 1, 2)
        return x.contiguous().to(self.device), self.y[idx].to(self.device)


def augmented(x, zero, generator):
    """Random crop of the 4-pixel zero-padded image (pixel 0, normalised) and a flip half the time."""
    b, h, w, c = x.shape
    padded = zero.reshape(1, 1, 1, c).expand(b, h + 8, w + 8, c).clone()
    padded[:, 4:4 + h, 4:4 + w] = x
    shifts = torch.randint(0, 9, (b, 2), generator=generator)
    flips = torch.rand(b, generator=generator) < 0.5
    out = torch.empty_like(x)
    for i in range(b):
        dy, dx = int(shifts[i, 0]), int(shifts[i, 1])
        crop = padded[i, dy:dy + h, dx:dx + w]
        out[i] = crop.flip(1) if flips[i] else crop
    return out


def training_data(spec, nhwc, device, arrays, folder):
    """The training split of the job's data spec (image folders: the files the driver listed in `folder`)."""
    if spec['kind'] == 'imagefolder':
        from .imagefolder import FolderData
        return FolderData(spec, nhwc, device, arrays, folder)
    return MemoryData(spec, nhwc, device)
