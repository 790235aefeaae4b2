/**
 * A JSON answer gzipped when the client accepts it: a page of dashboard rows is hundreds of
 * similar records, which gzip shrinks about tenfold. Node's own zlib, so no new dependency; only
 * for answers worth it (small ones go as they are). The ETag is Express's, over the bytes sent, so
 * an unchanged answer is still a 304.
 */
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import type { Request, Response } from 'express';
import { serverTimer } from './serverTiming';

const gzipAsync = promisify(gzip);

/** Below this many bytes gzip saves too little to be worth its time. */
const MIN_COMPRESSED_BYTES = 1_024;

export async function sendJson(req: Request, res: Response, body: unknown): Promise<void> {
  const timer = serverTimer();
  const text = JSON.stringify(body);
  timer.lap('json');
  res.vary('accept-encoding');
  res.type('application/json');
  if (Buffer.byteLength(text) < MIN_COMPRESSED_BYTES || !req.acceptsEncodings('gzip')) {
    timer.write(res);
    res.send(text);
    return;
  }
  const zipped = await gzipAsync(text, { level: 6 });
  timer.lap('gzip');
  timer.write(res);
  res.set('content-encoding', 'gzip');
  res.send(zipped);
}
