/**
 * Backbones with the paper's embedding head (spec section 7): backbone -> linear projection to `dim`.
 * The optional ReLU and the L2 normalisation are applied by the trainer (`embed`), so one model serves
 * both arms of a ReLU on/off comparison.
 *   mlp       Dense(h, relu) for each hidden width
 *   cnn       [conv3x3(32) relu maxpool] [conv3x3(64) relu maxpool] dense(128) relu
 *   resnet18  CIFAR stem (3x3 conv, stride 1, no max-pool), BasicBlocks [2,2,2,2] at widths w,2w,4w,8w
 *             (w = 64 in the paper), batch norm, global average pooling
 */
import * as tf from '@tensorflow/tfjs';

export type ModelSpec =
  | { name: 'mlp'; hidden: number[] }
  | { name: 'cnn' }
  | { name: 'resnet18'; width: number };

/** Smallest image side each backbone can take (cnn: two 2x2 max-pools; resnet18: three stride-2 stages). */
export const MIN_IMAGE_SIDE: Readonly<Record<string, number>> = { cnn: 4, resnet18: 8 };

export interface BuiltModel {
  model: tf.LayersModel;
  /** Parameter count. */
  params: number;
}

type Init = () => ReturnType<typeof tf.initializers.glorotUniform>;

/** Deterministic Glorot-uniform initialisers from the run's seed. */
function seeded(seed: number) {
  let s = seed * 1000;
  return () => tf.initializers.glorotUniform({ seed: s++ });
}

function convBn(x: tf.SymbolicTensor, filters: number, kernel: number, stride: number, init: Init, relu: boolean): tf.SymbolicTensor {
  let y = tf.layers
    .conv2d({ filters, kernelSize: kernel, strides: stride, padding: 'same', useBias: false, kernelInitializer: init() })
    .apply(x) as tf.SymbolicTensor;
  y = tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }).apply(y) as tf.SymbolicTensor;
  return relu ? (tf.layers.reLU().apply(y) as tf.SymbolicTensor) : y;
}

function basicBlock(x: tf.SymbolicTensor, filters: number, stride: number, init: Init): tf.SymbolicTensor {
  const inC = x.shape[x.shape.length - 1];
  let y = convBn(x, filters, 3, stride, init, true);
  y = convBn(y, filters, 3, 1, init, false);
  const shortcut = stride !== 1 || inC !== filters ? convBn(x, filters, 1, stride, init, false) : x;
  return tf.layers.reLU().apply(tf.layers.add().apply([y, shortcut]) as tf.SymbolicTensor) as tf.SymbolicTensor;
}

/** inputShape: [dim] for vectors, [h, w, c] for images (an MLP flattens images). */
export function buildModel(spec: ModelSpec, inputShape: number[], dim: number, seed: number): BuiltModel {
  const init = seeded(seed);
  const input = tf.input({ shape: inputShape });
  let x: tf.SymbolicTensor = input;
  switch (spec.name) {
    case 'mlp':
      if (inputShape.length > 1) x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
      for (const h of spec.hidden) x = tf.layers.dense({ units: h, activation: 'relu', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
      break;
    case 'cnn':
      if (inputShape.length !== 3) throw new Error('model "cnn" needs image data (height, width, channels)');
      for (const f of [32, 64]) {
        x = tf.layers.conv2d({ filters: f, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
        x = tf.layers.maxPooling2d({ poolSize: 2 }).apply(x) as tf.SymbolicTensor;
      }
      x = tf.layers.flatten().apply(x) as tf.SymbolicTensor;
      x = tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: init() }).apply(x) as tf.SymbolicTensor;
      break;
    case 'resnet18': {
      if (inputShape.length !== 3) throw new Error('model "resnet18" needs image data (height, width, channels)');
      const w = spec.width;
      x = convBn(x, w, 3, 1, init, true);
      const stages: [number, number][] = [[w, 1], [2 * w, 2], [4 * w, 2], [8 * w, 2]];
      for (const [filters, stride] of stages) {
        x = basicBlock(x, filters, stride, init);
        x = basicBlock(x, filters, 1, init);
      }
      x = tf.layers.globalAveragePooling2d({}).apply(x) as tf.SymbolicTensor;
      break;
    }
  }
  const out = tf.layers.dense({ units: dim, kernelInitializer: init(), name: 'projection' }).apply(x) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  return { model, params: model.countParams() };
}

/** Rows with a norm below this are scaled by 1/NORM_EPS instead of 1/||z|| (a dead ReLU row stays 0). */
export const NORM_EPS = 1e-12;

/**
 * Row-wise L2 normalisation with a finite gradient everywhere: z * rsqrt(max(sum z^2, eps^2)).
 * (z / max(||z||, eps) is not: d||z||/dz = z/||z|| is 0/0 at a row the ReLU zeroed, and NaN spreads to every weight.)
 */
export function l2Normalize(z: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.mul(z, tf.rsqrt(tf.maximum(tf.sum(tf.square(z), 1, true), NORM_EPS * NORM_EPS))) as tf.Tensor2D);
}

/** The embedding head: projection output -> optional ReLU -> L2 normalisation. */
export function embed(model: tf.LayersModel, x: tf.Tensor, relu: boolean, training: boolean): tf.Tensor2D {
  return tf.tidy(() => {
    let z = model.apply(x, { training }) as tf.Tensor2D;
    if (relu) z = tf.relu(z);
    return l2Normalize(z);
  });
}
