/**
 * Optimiser configs: a union discriminated by `name`, each member with only its own fields, so what a config
 * says is what the trainer does (and what the config hash, the Run page and the config diff show).
 * Adding an optimiser is one schema here plus one entry in its kind's member list.
 */
import { z } from 'zod';
import { lbfgsOptimizerSchema } from './lbfgs';

const lr = z.number({ error: 'lr must be a number' }).positive('lr must be > 0');
const momentum = z.number({ error: 'momentum must be a number' }).min(0, 'momentum must be in [0, 1)').lt(1, 'momentum must be in [0, 1)');
const beta = (key: string, dflt: number) =>
  z.number({ error: `${key} must be a number` }).min(0, `${key} must be in [0, 1)`).lt(1, `${key} must be in [0, 1)`).default(dflt);
const eps = (dflt: number) => z.number({ error: 'eps must be a number' }).positive('eps must be > 0').default(dflt);
const weightDecay = z.number({ error: 'weightDecay must be a number' }).min(0, 'weightDecay must be >= 0').default(0);

/** UFM: projected gradient descent, x <- x - lr g. */
export const ufmGdSchema = z.strictObject({ name: z.literal('gd'), lr });
/** UFM: heavy-ball momentum, m <- momentum m + g, x <- x - lr m. */
export const ufmMomentumSchema = z.strictObject({ name: z.literal('momentum'), lr, momentum: momentum.default(0.9) });
/** UFM: Adam with bias correction. */
export const ufmAdamSchema = z.strictObject({ name: z.literal('adam'), lr, beta1: beta('beta1', 0.9), beta2: beta('beta2', 0.999), eps: eps(1e-8) });

/** The UFM optimisers; add a member here (and its trainer in science/optim.ts) to offer another. */
export const UFM_OPTIMIZERS = [ufmGdSchema, ufmMomentumSchema, ufmAdamSchema, lbfgsOptimizerSchema] as const;

/** Deep: SGD with the momentum stated (0 = plain SGD), optionally Nesterov, L2 weight decay on the gradient. */
export const deepSgdSchema = z.strictObject({
  name: z.literal('sgd'),
  lr,
  momentum: z.number({ error: 'momentum is required for sgd (0 for plain SGD, 0.9 for heavy ball as in the authors\u2019 code)' })
    .min(0, 'momentum must be in [0, 1)')
    .lt(1, 'momentum must be in [0, 1)'),
  nesterov: z.boolean({ error: 'nesterov must be true or false' }).default(false),
  weightDecay,
});
/** Deep: Adam (tfjs), L2 weight decay added to the gradient. */
export const deepAdamSchema = z.strictObject({
  name: z.literal('adam'),
  lr,
  beta1: beta('beta1', 0.9),
  beta2: beta('beta2', 0.999),
  eps: eps(1e-8),
  weightDecay,
});

/** The deep optimisers. */
export const DEEP_OPTIMIZERS = [deepSgdSchema, deepAdamSchema] as const;

const names = (members: readonly { shape: { name: z.ZodLiteral<string> } }[]): string[] => members.map((m) => m.shape.name.value);

export const ufmOptimizerSchema = z.discriminatedUnion('name', UFM_OPTIMIZERS, {
  error: `optimizer.name must be one of ${names(UFM_OPTIMIZERS).join(', ')}`,
});
export const deepOptimizerSchema = z
  .discriminatedUnion('name', DEEP_OPTIMIZERS, { error: `optimizer.name must be one of ${names(DEEP_OPTIMIZERS).join(', ')}` })
  .refine((o) => o.name !== 'sgd' || !o.nesterov || o.momentum > 0, { message: 'nesterov needs momentum > 0', path: ['nesterov'] });

export type UfmOptimizer = z.infer<typeof ufmOptimizerSchema>;
export type DeepOptimizer = z.infer<typeof deepOptimizerSchema>;
