/**
 * Status pages as written in `vigil.config.ts`: one public, read-only page per group of services,
 * for stakeholders (served at `/status/<id>`).
 *
 * ```ts
 * statusPages: [{ id: 'shop', title: 'Shop status', services: ['checkout', 'storage'] }],
 * ```
 */
import { z } from 'zod';

const id = z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'lower-case letters, digits, ".", "_" or "-", starting with a letter or digit');

const statusPageSchema = z
  .object({
    /** The page's address: `/status/<id>`. */
    id,
    /** Shown as the page's heading. */
    title: z.string().trim().min(1).max(120),
    /** Services shown on the page, in this order (their `name` from `services` when they have one). */
    services: z.array(id).min(1).max(100),
  })
  .strict();

export const statusPagesSchema = z
  .array(statusPageSchema)
  .default([])
  .superRefine((pages, ctx) => {
    const seen = new Set<string>();
    pages.forEach((page, index) => {
      if (seen.has(page.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `status page "${page.id}" is declared twice` });
      seen.add(page.id);
    });
  });

export type StatusPageConfig = z.output<typeof statusPageSchema>;

/**
 * Config problems of status pages that need the rest of the config: a page naming a service that
 * `services` does not declare (a typo would show a service that never has an incident).
 */
export function statusPageIssues(config: { statusPages: StatusPageConfig[]; services: Record<string, unknown> }): Array<{ path: Array<string | number>; message: string }> {
  return config.statusPages.flatMap((page, pageIndex) =>
    page.services.flatMap((service, index) =>
      Object.hasOwn(config.services, service) ? [] : [{ path: ['statusPages', pageIndex, 'services', index], message: `no service "${service}"` }],
    ),
  );
}
