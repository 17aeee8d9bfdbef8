/**
 * Identity for the wasm backend, replacing the registered one, which copies the data. tfjs's
 * engine clones (Identity) every tensor a gradient needs when the forward op runs under a
 * gradient tape (saveTensorsForBackwardMode): with wasm's copy that is a full copy of every saved
 * activation on every training step (measured on the bundled model, batch 128: ~160 copies per
 * step). Tensors are immutable, so the clone can share the data with a reference count, as the
 * cpu backend's Identity does.
 */
import * as tf from '@tensorflow/tfjs';

interface RefCounted {
  incRef(dataId: object): void;
}

export function identity({ inputs, backend }: Parameters<tf.KernelFunc>[0]): tf.TensorInfo {
  const x = inputs.x!;
  (backend as unknown as RefCounted).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export const identityConfig: tf.KernelConfig = {
  kernelName: tf.Identity,
  backendName: 'wasm',
  kernelFunc: identity as tf.KernelFunc,
};
