/** The data layer: dataset readers, discovery, synthetic data, imported embeddings, subsets, augmentation. */
export * from './errors';
export * from './types';
export * from './read-file';
export * from './idx';
export * from './cifar';
export * from './folders';
export * from './load';
export * from './synthetic';
export * from './npy';
export * from './csv-table';
export * from './embeddings';
export * from './subset';
export * from './augment';
