/** Connects the contract's zod schemas to fastify: validation of params, query and body, and one error shape. */
import type { FastifyError, FastifyInstance, FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import type { ApiError } from '../../contract/index.js';

/** A validation failure that names the field. */
export class RequestValidationError extends Error {
  override readonly name = 'RequestValidationError';
  readonly statusCode = 400;
  constructor(
    readonly part: string,
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** Describes the first zod issue as `field: message`, naming unknown keys. */
export function describeIssue(issue: z.core.$ZodIssue, part: string): { field: string; message: string } {
  const path = issue.path.map(String);
  if (issue.code === 'unrecognized_keys') {
    const field = [...path, issue.keys[0]!].join('.');
    return { field, message: `unknown field "${field}" in ${part}` };
  }
  const field = path.join('.') || part;
  return { field, message: `${field}: ${issue.message}` };
}

/** Fastify schema compiler for zod schemas: the parsed (and defaulted) value replaces the input. */
export const zodValidatorCompiler: FastifySchemaCompiler<z.ZodType> = ({ schema, httpPart }) => {
  const part = httpPart ?? 'body';
  return (data: unknown) => {
    const r = schema.safeParse(data);
    if (r.success) return { value: r.data };
    const { field, message } = describeIssue(r.error.issues[0]!, part);
    return { error: new RequestValidationError(part, field, message) };
  };
};

/** Sends every error as an ApiError; a 4xx keeps its status, anything unexpected is a logged 500 without details. */
export function installErrorHandler(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError & { validation?: unknown }, req, reply) => {
    const cause = (err.validation as { error?: unknown }[] | undefined)?.[0]?.error ?? err;
    if (cause instanceof RequestValidationError) {
      const body: ApiError = { error: 'bad-request', message: cause.message, field: cause.field };
      return reply.code(400).send(body);
    }
    const status = err.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      const body: ApiError = { error: errorName(status), message: err.message };
      return reply.code(status).send(body);
    }
    req.log.error({ err }, 'request failed');
    const body: ApiError = { error: 'internal', message: 'internal error; see the helper log' };
    return reply.code(500).send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const body: ApiError = { error: 'not-found', message: `no route ${req.method} ${req.url.split('?')[0]}` };
    return reply.code(404).send(body);
  });
}

function errorName(status: number): string {
  return (
    {
      400: 'bad-request',
      401: 'unauthorized',
      403: 'forbidden',
      404: 'not-found',
      405: 'method-not-allowed',
      409: 'conflict',
      413: 'payload-too-large',
      415: 'unsupported-media-type',
      429: 'too-many-requests',
    }[status] ?? 'client-error'
  );
}
