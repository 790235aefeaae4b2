/**
 * Every error the API answers is JSON `{ error, details: [{ field, message }] }`, so a client or
 * a person reading a log sees which field was wrong.
 */
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { IncidentConflictError, IncidentNotFoundError, TemporalRefusedError, BackendUnavailableError } from '../gateways/incidentGateway';

export interface ErrorDetail {
  field: string;
  message: string;
}

/** Thrown by routes for an answer other than 2xx; the error handler writes it out. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: ErrorDetail[] = [],
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

export function sendError(res: Response, status: number, error: string, details: ErrorDetail[] = [], extra: Record<string, unknown> = {}): void {
  res.status(status).json({ error, details, ...extra });
}

/** Zod issues as field-precise details; `where` prefixes the path (`body`, `query`). */
export function validationError(error: z.ZodError, where: string): HttpError {
  return new HttpError(
    400,
    `invalid ${where}`,
    error.issues.map((issue) => ({ field: [where, ...issue.path].join('.'), message: issue.message })),
  );
}

/** Parses `value` with `schema`, or throws a 400 naming each offending field. */
export function parseOr400<T extends z.ZodType>(schema: T, value: unknown, where: string): z.output<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, where);
  return result.data;
}

/**
 * The route a request matched, as its pattern (`/v1/integrations/:integrationId/:token`), for
 * logs and metrics: a raw path can carry a token (integrations, SNS, ack links) or an id.
 */
export function routePattern(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl}${path}` : 'unmatched';
}

export const notFoundRoute: RequestHandler = (req, res) => {
  sendError(res, 404, `no route ${req.method} ${req.path}`);
};

/** Turns whatever a route threw into the right status; never leaks a stack trace. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof HttpError) {
      for (const [name, value] of Object.entries(error.headers)) res.setHeader(name, value);
      return sendError(res, error.status, error.message, error.details, error.extra);
    }
    if (error instanceof IncidentNotFoundError) return sendError(res, 404, error.message, [{ field: 'id', message: 'no such incident' }]);
    if (error instanceof IncidentConflictError) {
      return sendError(res, 409, error.message, [], error.incident ? { incident: error.incident } : {});
    }
    if (error instanceof TemporalRefusedError) return sendError(res, 400, error.message, [{ field: error.field, message: 'refused by Temporal' }]);
    if (error instanceof BackendUnavailableError) {
      logger.warn({ err: error, method: req.method, route: routePattern(req) }, 'temporal unavailable');
      res.setHeader('Retry-After', '5');
      return sendError(res, 503, `${error.publicMessage}; try again`);
    }
    // body-parser's errors carry a status and a type.
    const parserError = error as { status?: number; type?: string; message?: string };
    if (parserError.type === 'entity.parse.failed') return sendError(res, 400, 'malformed JSON', [{ field: 'body', message: parserError.message ?? 'not JSON' }]);
    if (parserError.type === 'entity.too.large') return sendError(res, 413, 'request body too large', [{ field: 'body', message: 'over the size limit' }]);
    if (parserError.status && parserError.status >= 400 && parserError.status < 500) {
      return sendError(res, parserError.status, parserError.message ?? 'bad request', [{ field: 'body', message: parserError.type ?? 'rejected' }]);
    }
    logger.error({ err: error, method: req.method, route: routePattern(req) }, 'unexpected error');
    sendError(res, 500, 'internal error');
  };
}

/** Express 5 passes rejected promises to the error handler; this only keeps types tidy. */
export type AsyncHandler = RequestHandler;
