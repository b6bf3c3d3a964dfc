/**
 * The fused optimiser's SIMD kernel on the threaded wasm build, whose memory is a SharedArrayBuffer (the
 * shared-memory variant of wasm/fused-optim.wat). Its own file: a process sets the wasm thread count once.
 */
import { describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/compute/backend';
import { FusedWasmOptimizer, TfjsStepOptimizer } from '../../src-main/science/fused-optim';
import { fiftySteps, SPECS } from './fused-optim-helpers';

describe('the fused step on the threaded build', () => {
  it.each(SPECS)('%s: 50 steps equal tf.train.* on cpu bit for bit, on shared memory', async (_, spec) => {
    await initBackend('cpu');
    const cpu = await fiftySteps(() => new TfjsStepOptimizer(spec), spec, `cpu_${spec.name}_${spec.lr}`);
    const info = await initBackend('wasm', { threads: 2 });
    expect(info.wasm?.build).toBe('threaded-simd');
    expect(new FusedWasmOptimizer(spec).usesSimd()).toBe(true);
    const fused = await fiftySteps(() => new FusedWasmOptimizer(spec), spec, `wasm_${spec.name}_${spec.lr}`);
    fused.weights.forEach((w, i) => expect(w).toEqual(cpu.weights[i]));
    fused.state.forEach((s, i) => expect(Array.from(s.data)).toEqual(Array.from(cpu.state[i].data)));
  });
});
