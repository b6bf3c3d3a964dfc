/**
 * Fast training kernels for the tfjs wasm backend.
 *
 * Stock `@tensorflow/tfjs-backend-wasm` (4.22, single-threaded SIMD in Node) is fast only on its XNNPACK paths:
 * `BatchMatMul` / `_FusedMatMul` with no transpose flags and batch 1, `Conv2D`, `DepthwiseConv2dNative`, ...
 * Training needs more than that (measured on this project's machine; see bench/kernels.ts):
 *
 *  - `BatchMatMul` / `_FusedMatMul` with transposeA/transposeB (every matMul gradient) run a naive loop (~8-14x
 *    slower), and so does any matMul whose two operands both have batch > 1.
 *  - `Conv2DBackpropFilter` is missing: conv nets cannot train at all.
 *  - `Conv2DBackpropInput` is a naive loop (~9x slower at stride 1).
 *  - `DepthwiseConv2dNativeBackpropInput` / `...Filter` and `UnsortedSegmentSum` (the `tf.gather` gradient)
 *    are missing.
 *  - `Tile` (batch-norm gradient) is an element loop (~130 ms for one [32,32,32,64] tile), and `Sum` / `Mean`
 *    over leading axes (batch-norm statistics and their gradients) transpose first (~30 ms each at that size).
 *
 * `registerFastWasmKernels(tf)` replaces / adds those kernels. Compositions call the registered wasm kernels
 * directly with `{inputs, backend, attrs}`, the way tfjs's own wasm kernels call each other (no engine
 * bookkeeping, no tape); every intermediate is freed with `backend.disposeData`. Reshapes are "views" (same
 * dataId, other shape) and are never disposed themselves. Pure data movement (gathers, scatters, interleaves,
 * column sums) is done in JS on heap views, because the wasm StridedSlice / rank-5 Slice / rank-6 Transpose are
 * element loops (50-250 ms at ResNet sizes) while TypedArray block copies run at memcpy speed. Heap views are
 * always taken after the last allocation that precedes their use (an allocation may grow and detach the heap).
 *
 * Kernels (all NHWC; dilation 1 for the gradients, as tfjs-core's gradient functions themselves require):
 *  - BatchMatMul:  transposes done explicitly by the wasm Transpose kernel, then the stock kernel without flags;
 *                  batch dims folded into M when b is not batched; otherwise one XNNPACK call per batch entry
 *                  (broadcasting batch dims correctly; tfjs's cpu kernel gets [1,3]x[2,1] wrong).
 *  - _FusedMatMul: same transposition / folding; bias, activation and prelu go to the stock fused kernel.
 *  - Conv2DBackpropFilter: implicit im2col, one GEMM per filter tap: dW[i,j] = X_ij^T · dy with X_ij^T [ci, N]
 *                  gathered from x (zeros in the padding) and dy [N, co] the weight operand shared by all taps
 *                  (XNNPACK packs it once); the contraction runs over chunks of images to stay cache-resident.
 *                  Up to 32 input channels all taps go into one GEMM per chunk instead ([kh*kw*ci, N] · dy:
 *                  M = 27 rather than 3 for an RGB input; the small CNN's two layers).
 *  - Conv2DBackpropInput: polyphase transposed convolution: for stride s, s*s stride-1 Conv2Ds of dy with
 *                  flipped, in/out-swapped sub-filters (taps k = phase mod s), interleaved into dx; stride 1 is a
 *                  single full convolution. No zero-dilated dy, so no 4x wasted work at stride 2. 1x1 filters:
 *                  dy · W^T, then scattered. Explicit pads of any size work (dy is cropped where needed). NCHW
 *                  goes to the stock kernel.
 *  - DepthwiseConv2dNativeBackpropInput: depthwise conv of the zero-dilated dy with the flipped filter, the C*M
 *                  channels treated as multiplier-1 channels, then the M copies summed.
 *  - DepthwiseConv2dNativeBackpropFilter: depthwise conv with the batch folded into channels (x as
 *                  [1, h, w, b*c], dy as the [oh, ow, b*c, m] filter, dilation = stride), summed over the batch.
 *  - UnsortedSegmentSum: JS scatter-add (memory bound; nothing in wasm to compose it from).
 *  - Tile: JS block copies (in-place doubling copyWithin).
 *  - Sum / Mean over a leading block of axes, float32: JS column sum in float64 (~7x faster than stock);
 *                  any other reduction goes to the stock kernel.
 *  - MaxPoolGrad / AvgPoolGrad, float32 NHWC: one JS pass over the windows (stock loops over every dx position
 *                  and every window that might contain it, ~15x slower); dy goes to the argmax with the cpu
 *                  backend's tie-breaking (pool.ts).
 *
 * Not covered (documented because not needed for MLP / small-CNN / ResNet-18 training):
 *  - NCHW convolution gradients: the wasm Conv2D forward itself only supports NHWC (filter gradient throws).
 *  - Dilated (atrous) convolution gradients: tfjs-core's gradients reject dilation > 1 before any kernel runs.
 *  - Depthwise input gradient with explicit pads larger than the filter (throws a clear error).
 *  - Conv3D / Pool3D gradients exist stock (naive loops) and are left alone; both-batched `_FusedMatMul` stays
 *    on the stock (naive) path.
 *
 * `restoreStockWasmKernels(tf)` undoes the registration (the benchmark uses it to compare).
 *
 * Files: shared.ts (Ctx, backend access, TensorInfo utilities), matmul.ts, conv-common.ts (what the convolution
 * gradients share), conv.ts, depthwise.ts, reductions.ts (UnsortedSegmentSum, Tile, Sum / Mean), pool.ts
 * (MaxPoolGrad, AvgPoolGrad); this file
 * registers and restores them.
 */
import { makeConv2DBackpropFilter, makeConv2DBackpropInput } from './conv';
import { makeDepthwiseBackpropFilter, makeDepthwiseBackpropInput } from './depthwise';
import { makeBatchMatMul, makeFusedMatMul } from './matmul';
import { makeAvgPoolGrad, makeMaxPoolGrad } from './pool';
import { makeLeadingReduce, makeTile, makeUnsortedSegmentSum } from './reductions';
import { BACKEND } from './shared';
import type { KernelConfig, KernelFunc, TF } from './shared';

/** Marks our kernel functions (idempotency) and carries the stock config they replace (restore). */
const MARK = Symbol.for('scl-geometry-lab.fast-wasm-kernel');

interface MarkedKernelFunc {
  [MARK]?: { original: KernelConfig | null };
}

/** Names of the kernels this module registers, in registration order. */
export const FAST_WASM_KERNEL_NAMES = [
  'BatchMatMul',
  '_FusedMatMul',
  'Conv2DBackpropFilter',
  'Conv2DBackpropInput',
  'DepthwiseConv2dNativeBackpropInput',
  'DepthwiseConv2dNativeBackpropFilter',
  'UnsortedSegmentSum',
  'Tile',
  'Sum',
  'Mean',
  'MaxPoolGrad',
  'AvgPoolGrad',
] as const;

function mark(fn: KernelFunc, original: KernelConfig | null): KernelFunc {
  (fn as unknown as MarkedKernelFunc)[MARK] = { original };
  return fn;
}

/** Our mark on a registered kernel, if it is one of ours. */
function markOf(cfg: KernelConfig | undefined): { original: KernelConfig | null } | undefined {
  return cfg == null ? undefined : (cfg.kernelFunc as unknown as MarkedKernelFunc)[MARK];
}

function isOurs(cfg: KernelConfig | undefined): boolean {
  return markOf(cfg) != null;
}

/**
 * Registers the fast wasm kernels (idempotent). Requires `@tensorflow/tfjs-backend-wasm` to have been imported
 * (its kernels must be in the registry); the wasm backend need not be active yet.
 */
export function registerFastWasmKernels(tf: TF): void {
  const stock = (name: string): KernelConfig => {
    const cfg = tf.getKernel(name, BACKEND);
    if (cfg == null) {
      throw new Error(
        `registerFastWasmKernels: wasm kernel '${name}' not found; import '@tensorflow/tfjs-backend-wasm' first.`,
      );
    }
    return cfg;
  };
  // Overrides keep the stock setupFunc/disposeFunc: the stock kernelFunc we delegate to needs its setup.
  const override = (name: string, make: (orig: KernelConfig) => KernelFunc): void => {
    const orig = stock(name);
    if (isOurs(orig)) return;
    tf.unregisterKernel(name, BACKEND);
    tf.registerKernel({ ...orig, kernelFunc: mark(make(orig), orig) });
  };
  // Added kernels: only when stock has none (a future tfjs may ship one; then we keep the stock kernel).
  const add = (name: string, fn: () => KernelFunc): void => {
    const existing = tf.getKernel(name, BACKEND);
    if (existing != null) return;
    tf.registerKernel({ kernelName: name, backendName: BACKEND, kernelFunc: mark(fn(), null) });
  };
  stock('Conv2D'); // fail early and clearly if the wasm backend is not loaded
  override('BatchMatMul', (orig) => makeBatchMatMul(tf, orig));
  override('_FusedMatMul', (orig) => makeFusedMatMul(tf, orig));
  add('Conv2DBackpropFilter', () => makeConv2DBackpropFilter(tf));
  override('Conv2DBackpropInput', (orig) => makeConv2DBackpropInput(tf, orig));
  add('DepthwiseConv2dNativeBackpropInput', () => makeDepthwiseBackpropInput(tf));
  add('DepthwiseConv2dNativeBackpropFilter', () => makeDepthwiseBackpropFilter(tf));
  add('UnsortedSegmentSum', () => makeUnsortedSegmentSum());
  override('Tile', (orig) => makeTile(orig));
  override('Sum', (orig) => makeLeadingReduce(tf, orig, false));
  override('Mean', (orig) => makeLeadingReduce(tf, orig, true));
  override('MaxPoolGrad', (orig) => makeMaxPoolGrad(tf, orig));
  override('AvgPoolGrad', (orig) => makeAvgPoolGrad(tf, orig));
}

/** True when `name` on wasm is currently one of ours. */
export function isFastWasmKernel(tf: TF, name: string): boolean {
  return isOurs(tf.getKernel(name, BACKEND));
}

/**
 * Undoes `registerFastWasmKernels` (for all kernels, or only the given ones): restores the stock kernels and
 * removes the added ones.
 */
export function restoreStockWasmKernels(tf: TF, names: readonly string[] = FAST_WASM_KERNEL_NAMES): void {
  for (const name of names) {
    const ours = markOf(tf.getKernel(name, BACKEND));
    if (ours == null) continue;
    tf.unregisterKernel(name, BACKEND);
    if (ours.original != null) tf.registerKernel(ours.original);
  }
}
