/**
 * The one error shape that crosses the API boundary (`apiErrorSchema` of the contract): `{ code, message, issues? }`.
 * `toApiError` maps whatever a service threw onto it: zod errors name every field by its dotted path, config
 * errors keep their config field names, store errors keep NOT_FOUND / STATE, the rest is INTERNAL.
 */
import { z } from 'zod';
import { ConfigError } from './schema/config';
import { QueryError } from './schema/summarize';
import type { ApiErrorShape } from './contract';
import { StoreError } from '../store/errors';

export type ApiErrorCode = ApiErrorShape['code'];
export type FieldIssue = { field: string; message: string };

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly issues?: FieldIssue[],
  ) {
    super(message);
  }

  /** The wire shape (what the transports send). */
  toJSON(): ApiErrorShape {
    return this.issues ? { code: this.code, message: this.message, issues: this.issues } : { code: this.code, message: this.message };
  }
}

/** Field issues of a zod error: dotted paths (`ids.0`), unknown keys named one by one. */
export function zodFieldIssues(e: z.ZodError): FieldIssue[] {
  return e.issues.flatMap((i) => {
    const field = i.path.map(String).join('.');
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({ field: field ? `${field}.${k}` : k, message: 'unknown field (not part of the contract)' }));
    }
    return [{ field, message: i.message }];
  });
}

function issuesText(issues: FieldIssue[]): string {
  return issues.map((i) => `${i.field || '(input)'}: ${i.message}`).join('; ');
}

export function invalidInput(method: string, e: z.ZodError): ApiError {
  const issues = zodFieldIssues(e);
  return new ApiError('INVALID_INPUT', `invalid input for ${method}: ${issuesText(issues)}`, issues);
}

/** Anything thrown by a service -> ApiError. */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof ConfigError) return new ApiError('INVALID_CONFIG', err.message, err.issues.map((i) => ({ field: i.field, message: i.message })));
  if (err instanceof QueryError) return new ApiError('INVALID_INPUT', err.message, err.issues);
  if (err instanceof z.ZodError) {
    const issues = zodFieldIssues(err);
    return new ApiError('INVALID_INPUT', `invalid input: ${issuesText(issues)}`, issues);
  }
  if (err instanceof StoreError) {
    switch (err.code) {
      case 'NOT_FOUND':
        return new ApiError('NOT_FOUND', err.message);
      case 'STATE':
        return new ApiError('STATE', err.message);
      case 'INVALID': {
        // store messages read "field: what is wrong"
        const m = /^([A-Za-z0-9_.]+): (.*)$/s.exec(err.message);
        return new ApiError('INVALID_INPUT', err.message, m ? [{ field: m[1]!, message: m[2]! }] : undefined);
      }
      default:
        return new ApiError('INTERNAL', `store error (${err.code}): ${err.message}`);
    }
  }
  if (err instanceof Error) return new ApiError('INTERNAL', err.message || err.name);
  return new ApiError('INTERNAL', `unexpected error: ${String(err)}`);
}

/** HTTP status for an error code (the serve transport). */
export function httpStatus(code: ApiErrorCode): number {
  switch (code) {
    case 'INVALID_INPUT':
    case 'INVALID_CONFIG':
      return 400;
    case 'UNAUTHORIZED':
      return 401;
    case 'NOT_FOUND':
    case 'UNKNOWN_METHOD':
      return 404;
    case 'STATE':
      return 409;
    default:
      return 500;
  }
}
