/** ONNX models in and out of the graph IR. */
export { readOnnx, readOnnxBytes, type OnnxSource } from './read.js';
export { encodeOnnx, encodeFreshOnnx, writeOnnx } from './write.js';
