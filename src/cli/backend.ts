import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendChoice, type BackendInfo } from '../backend/select.js';
import type { TextSink } from './io.js';

/**
 * Starts the compute backend for a command and prints the one line that says which it is.
 * tfjs's own console banners (e.g. "install tfjs-node") are silenced: the line printed here
 * says what the user needs to know, and README says how to get the native backend.
 */
export async function startBackend(choice: BackendChoice, log: TextSink): Promise<BackendInfo> {
  tf.env().set('PROD', true);
  const info = await selectBackend(choice);
  log.write(`${info.description}\n`);
  return info;
}
