import { z } from 'zod';
import { parseJsonKeepingIds } from '../json-big-int.js';
import type { HttpAnswer } from './mailjet-http.js';

/** A REST v3 listing (`{ Count, Data: [{ ID, … }], Total }`), of which only the ids are read. */
const idList = z.looseObject({
  Data: z.array(z.looseObject({ ID: z.union([z.string(), z.number()]).transform(String) })),
});

/**
 * The ids of a REST v3 listing answered with 200, kept exact (Mailjet ids
 * exceed 2^53); undefined for any other status or a body that is not such a
 * listing.
 */
export function readIdList(answer: HttpAnswer): string[] | undefined {
  if (answer.status !== 200 || answer.text === undefined) return undefined;
  const parsed = idList.safeParse(parseJsonKeepingIds(answer.text));
  return parsed.success ? parsed.data.Data.map((entry) => entry.ID) : undefined;
}
