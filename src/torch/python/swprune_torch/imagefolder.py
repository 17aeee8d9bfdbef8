"""An image folder's training split as swprune reads it: the files and labels the driver lists
(files.txt and state.bin's `labels`: its order, its `--limit`, its held-out split), decoded
with Pillow (converted to the model's channels as torchvision's loader does) and preprocessed
with torchvision's transforms at swprune's sizes: training RandomResizedCrop(crop, scale,
ratio) and a horizontal flip half the time; without augmentation Resize(shorter side) and
CenterCrop; then ToTensor and Normalize(mean, std). Images decode on a thread pool."""
import os
from concurrent.futures import ThreadPoolExecutor

import torch
from PIL import Image
from torchvision import transforms as T

MODES = {1: 'L', 3: 'RGB', 4: 'RGBA'}


class FolderData:
    def __init__(self, spec, nhwc, device, arrays, folder):
        with open(os.path.join(folder, spec['files'])) as f:
            self.files = f.read().split('\n')
        self.labels = torch.from_numpy(arrays['labels']).to(torch.int64)
        self.count = len(self.files)
        self.mode = MODES[spec['shape']['channels']]
        t = spec['trainTransform']
        e = spec['evalTransform']
        if t:
            crop = [T.RandomResizedCrop((t['height'], t['width']), scale=tuple(t['scale']), ratio=tuple(t['ratio'])), T.RandomHorizontalFlip()]
        else:
            crop = [T.Resize(e['resize']), T.CenterCrop((e['height'], e['width']))]
        self.transform = T.Compose(crop + [T.ToTensor(), T.Normalize(spec['mean'], spec['std'])])
        self.nhwc = nhwc
        self.device = device
        self.pool = ThreadPoolExecutor(max(1, min(4, (os.cpu_count() or 2))))

    def load(self, i):
        with Image.open(self.files[i]) as img:
            return self.transform(img.convert(self.mode))

    def batch(self, indices, generator):
        x = torch.stack(list(self.pool.map(self.load, indices)))
        if self.nhwc:
            x = x.permute(0, 2, 3, 1)
        return x.contiguous().to(self.device), self.labels[list(indices)].to(self.device)
