const ADDRESS =
  /[A-Za-z0-9.!#$%&'*+/=?^_`{|}~\u0080-\uffff-]+@[A-Za-z0-9\u0080-\uffff](?:[A-Za-z0-9\u0080-\uffff.-]*[A-Za-z0-9\u0080-\uffff])?/;

/** The one address in a field value: `rfc822; a@b`, `<a@b>`, `Name <a@b>`, or a bare `a@b`. */
export function addressIn(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const typed = /^\s*[\w-]+\s*;\s*(.*)$/.exec(value);
  const rest = typed ? typed[1]! : value;
  const angled = /<([^<>\s]+@[^<>\s]+)>/.exec(rest);
  const candidate = angled ? angled[1]! : ADDRESS.exec(rest)?.[0];
  return candidate?.replace(/[.>]+$/, '');
}

/** Every address of a comma-separated header value (To with several mailboxes). */
export function addressesIn(value: string | undefined): string[] {
  if (!value) return [];
  return value
    .split(',')
    .map((item) => addressIn(item))
    .filter((a): a is string => a !== undefined);
}

/** The first `<…>` message id in a value. */
export function messageIdIn(value: string | undefined): string | undefined {
  if (!value) return undefined;
  return /<[^<>\s]+>/.exec(value)?.[0];
}
