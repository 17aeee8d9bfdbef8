import sharp from 'sharp';
import type { Image8 } from './resample.js';

// libvips's operation cache keeps recent results (up to 50 MB) for repeated operations on the
// same input; every image here is decoded once, so it would only hold memory.
sharp.cache(false);

/**
 * Decodes an image file's bytes (JPEG, PNG, WebP; also GIF, TIFF, AVIF — whatever sharp's libvips
 * reads) to 8-bit pixels, as PIL would give them to torchvision: no EXIF rotation, the embedded
 * colour profile ignored (PIL does not apply it), the first page of a multi-page file. libvips
 * hands back grey as three equal channels and alpha as a fourth; convertChannels does the rest.
 * JPEG, PNG and WebP decode to the same bytes as Pillow 9.4 (test/data checks it on the
 * fixtures). Truncated or corrupt data rejects (`failOn: 'error'`), as PIL raises for them.
 */
export async function decodeImage(bytes: Uint8Array): Promise<Image8> {
  const { data, info } = await sharp(bytes, { ignoreIcc: true, failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
  return {
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    height: info.height,
    width: info.width,
    channels: info.channels,
  };
}
