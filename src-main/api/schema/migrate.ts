/**
 * Config schema versions and the steps between them. A stored config (SQLite config_json, an export bundle,
 * a run's result) carries `schemaVersion`; one written before versions existed has none and is version 1.
 * `migrateConfig` (in config.ts) applies these steps and then validates, and every reader of stored configs
 * goes through it. Steps work on plain JSON and never drop information a run depended on: they rewrite it in
 * the current vocabulary.
 *
 * Version history:
 *   1  (no schemaVersion key) the first release.
 *   2  optimisers are a union by name with only their own fields (UFM gd loses its ignored momentum, deep sgd
 *      states its momentum, 0.9 before); lossForm "supcon-mean" means SupContrast's mean over ALL anchors, and
 *      what version 1 called "supcon-mean" (mean over anchors with a positive) is "supcon-mean-positive-anchors".
 *   3  no config field changes; one meaning per metric key: deep runs log their evaluation loss (the epoch's MEAN
 *      batch loss) as train/lossMean, and train/loss is the UFM objective (a SUM over batches) only. The store
 *      renames the series of deep runs stored before (store/stored-config.ts, renamedMetricKeys).
 *   4  the lbfgs optimiser has `parametrization`: "squared" (h = normalize(w * w) by plain L-BFGS, the default
 *      and what every lbfgs run of version 3 ran) or "projected" (UFM+ solved on u >= 0 by projected L-BFGS with
 *      an active set). Migration writes "squared" into UFM lbfgs configs without it: stored runs keep their
 *      meaning and hash like new runs of the same config (one seed group), and a resumed run continues the
 *      algorithm it started with.
 *   5  the default `parametrization` of lbfgs becomes "projected" (with support repair, which leaves the
 *      spurious stationary points that made it the option of version 4). Migration writes "squared", version
 *      4's default, into UFM lbfgs configs without it, as from version 3.
 */

export const CONFIG_SCHEMA_VERSION = 5;

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Version 1 -> 2 (see the history above). */
function v1ToV2(c: Obj): Obj {
  const out: Obj = { ...c };
  const kind = c['kind'];
  if (kind === 'ufm' || kind === 'deep') {
    // v1 "supcon-mean" divided by the anchors with a positive; it was the deep default
    const form = c['lossForm'] ?? (kind === 'deep' ? 'supcon-mean' : 'paper');
    out['lossForm'] = form === 'supcon-mean' ? 'supcon-mean-positive-anchors' : form;
  }
  const o = c['optimizer'];
  if (isObj(o)) {
    const lr = o['lr'];
    if (kind === 'ufm') {
      // v1 defaulted momentum to 0.9 on every UFM optimiser; only "momentum" used it, Adam had fixed constants
      if (o['name'] === 'gd') out['optimizer'] = { name: 'gd', lr };
      else if (o['name'] === 'momentum') out['optimizer'] = { name: 'momentum', lr, momentum: o['momentum'] ?? 0.9 };
      else if (o['name'] === 'adam') out['optimizer'] = { name: 'adam', lr, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
    } else if (kind === 'deep') {
      const weightDecay = o['weightDecay'] ?? 0;
      // v1 sgd was heavy ball with momentum (default 0.9); v1 adam was tf.train.adam(lr): tfjs's float32 epsilon 1e-7
      if (o['name'] === 'sgd') out['optimizer'] = { name: 'sgd', lr, momentum: o['momentum'] ?? 0.9, nesterov: false, weightDecay };
      else if (o['name'] === 'adam') out['optimizer'] = { name: 'adam', lr, beta1: 0.9, beta2: 0.999, eps: 1e-7, weightDecay };
    }
  }
  out['schemaVersion'] = 2;
  return out;
}

/** Version 2 -> 3: the config is unchanged (the metric keys of deep runs are renamed by the store). */
const v2ToV3 = (c: Obj): Obj => ({ ...c, schemaVersion: 3 });

/** UFM lbfgs configs of versions 3 and 4 without a parametrization ran h = normalize(w * w) (see the history above). */
function squaredByDefault(c: Obj, to: number): Obj {
  const out: Obj = { ...c, schemaVersion: to };
  const o = c['optimizer'];
  if (c['kind'] === 'ufm' && isObj(o) && o['name'] === 'lbfgs' && o['parametrization'] === undefined) out['optimizer'] = { ...o, parametrization: 'squared' };
  return out;
}

const STEPS: Record<number, (c: Obj) => Obj> = { 1: v1ToV2, 2: v2ToV3, 3: (c) => squaredByDefault(c, 4), 4: (c) => squaredByDefault(c, 5) };

/** The schema version a stored config was written with (none: 1). */
export function storedConfigVersion(raw: unknown): number {
  const v = isObj(raw) ? raw['schemaVersion'] : undefined;
  return v === undefined ? 1 : typeof v === 'number' && Number.isInteger(v) ? v : NaN;
}

/**
 * The raw config rewritten to the current version, not yet validated. Throws (with the field named) for a
 * version this release does not know.
 */
export function upgradeRawConfig(raw: unknown, from: number): unknown {
  if (!isObj(raw)) return raw;
  if (!Number.isInteger(from) || from < 1) throw new Error(`schemaVersion: ${JSON.stringify(raw['schemaVersion'])} is not a config schema version (1..${CONFIG_SCHEMA_VERSION})`);
  if (from > CONFIG_SCHEMA_VERSION) {
    throw new Error(`schemaVersion: ${from} is newer than this release understands (${CONFIG_SCHEMA_VERSION}); update SCL Geometry Lab`);
  }
  let c: Obj = raw;
  for (let v = from; v < CONFIG_SCHEMA_VERSION; v++) c = STEPS[v]!(c);
  return c;
}
