/**
 * What a failed Temporal call means for the HTTP answer. Only a Temporal that cannot be reached or
 * does not answer in time is an outage (503: retry, or spool the alert); a call Temporal refused
 * for its content (a malformed workflow id, say) is the caller's 400 and retrying cannot help.
 * Anything else (a permission Temporal denies Vigil, an internal error) is neither: it stays a
 * 500 and is logged.
 */

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html). */
const GRPC = {
  CANCELLED: 1,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  OUT_OF_RANGE: 11,
  UNAVAILABLE: 14,
} as const;

/**
 * Cannot reach or hear from Temporal now. RESOURCE_EXHAUSTED (Temporal's rate limit) and
 * CANCELLED (the connection went away mid-call) belong here too: the same request may succeed
 * later, and an alert refused with a 4xx would be dropped by its sender for good.
 */
const OUTAGE_CODES = new Set<number>([GRPC.CANCELLED, GRPC.DEADLINE_EXCEEDED, GRPC.RESOURCE_EXHAUSTED, GRPC.UNAVAILABLE]);
/** Temporal refused what the request asked for. */
const REFUSED_CODES = new Set<number>([GRPC.INVALID_ARGUMENT, GRPC.NOT_FOUND, GRPC.ALREADY_EXISTS, GRPC.FAILED_PRECONDITION, GRPC.OUT_OF_RANGE]);

/** Socket-level failures before any gRPC status: refused, reset, unresolvable, timed out. */
const CONNECTION_ERROR = /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EPIPE)$/;

function grpcCode(error: unknown): number | string | undefined {
  // The client wraps gRPC errors in a ServiceError whose `cause` carries the status.
  for (let current = error, hops = 0; current && hops < 4; current = (current as { cause?: unknown }).cause, hops++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number' || typeof code === 'string') return code;
  }
  return undefined;
}

export type TemporalFailure = 'outage' | 'refused' | 'other';

export function classifyTemporalFailure(error: unknown): TemporalFailure {
  const code = grpcCode(error);
  if (typeof code === 'number') {
    if (OUTAGE_CODES.has(code)) return 'outage';
    if (REFUSED_CODES.has(code)) return 'refused';
    return 'other';
  }
  if (typeof code === 'string' && CONNECTION_ERROR.test(code)) return 'outage';
  const name = (error as Error)?.name;
  // A ServiceError without a status: the client could not even make the call.
  if (name === 'ServiceError' || name === 'TransportError') return 'outage';
  return 'other';
}
