/** The body of the codec server's requests and answers: Temporal payloads, byte strings in base64 (protobuf JSON). */
import { z } from 'zod';

const MAX_PAYLOADS = 1_000;

const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, 'expected base64');
export const codecBodySchema = z
  .object({
    payloads: z
      .array(
        z.object({
          metadata: z.record(z.string().max(256), base64).nullish(),
          data: base64.nullish(),
        }),
      )
      .max(MAX_PAYLOADS),
  })
  .strict();
