/** TensorFlow.js layers models in and out of the graph IR. */
export { readTfjs, type TfjsSource } from './read.js';
export { tfjsOutputFiles, writeTfjs } from './write.js';
export { LAYER_TABLE } from './layers.js';
