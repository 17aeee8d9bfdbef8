import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendChoice, type BackendInfo } from './select.js';

/**
 * Starts the compute backend for a command. tfjs's own console banners (e.g. "install
 * tfjs-node") are silenced: the returned description says what the user needs to know, and
 * README says how to get the native backend.
 */
export async function startBackend(choice: BackendChoice): Promise<BackendInfo> {
  tf.env().set('PROD', true);
  return selectBackend(choice);
}
