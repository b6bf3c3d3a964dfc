/**
 * The one error type of the data layer: a missing or malformed dataset file, a bad label, a subset that asks
 * for more examples than a class has. The message always says what is wrong and, when a file is involved,
 * starts with that file's path; `file` carries the same path for callers that want it separately.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
  readonly file?: string;

  constructor(message: string, file?: string, options?: { cause?: unknown }) {
    super(message, options);
    if (file !== undefined) this.file = file;
  }
}

/** `new DataError("<file>: <what>", file)`: the usual form, so every file error names its file first. */
export function fileError(file: string, what: string, cause?: unknown): DataError {
  return new DataError(`${file}: ${what}`, file, cause === undefined ? undefined : { cause });
}
