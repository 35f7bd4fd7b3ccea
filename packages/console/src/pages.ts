import { createHmac } from 'node:crypto';
import type {
  BreachIncident,
  DeliveryRecord,
  DsarRequest,
  GdprMail,
  SubjectProfilePatch,
} from '@gdpr-mail/core';
import {
  canExtend,
  DSAR_OPEN_STATUSES,
  daysUntil,
  dsarDeadline,
  GdprMailError,
  isDsarVerified,
  isGdprMailError,
  MAIL_NOT_SENT_CODES,
  restrictionInForce,
} from '@gdpr-mail/core';
import type { SafeHtml } from '@gdpr-mail/core/http';
import { canonicalJson, html } from '@gdpr-mail/core/http';
import type { ConsoleResult, ConsoleRoute } from './create-gdpr-console.js';
import type { ConsoleLocale, ConsoleMessages } from './messages.js';
import type { PlanRunner, SweepRunner } from './sweep-runner.js';

/** What a route gets: the SDK, the signed-in actor, the words and the CSRF field of this request. */
export interface PageKit {
  gdpr: GdprMail;
  actor: string;
  locale: ConsoleLocale;
  m: ConsoleMessages;
  basePath: string;
  now: () => Date;
  pageSize: number;
  proofSecret: string;
  /** The console's one background retention sweep. */
  sweeps: SweepRunner;
  /** The console's retention plan, computed in the background (it walks every subject). */
  plans: PlanRunner;
  csrf: string;
  query: URLSearchParams;
  /** Records `console.<action>` in the audit chain with the actor. */
  audit(action: string, details?: Record<string, unknown>, subjectRef?: string): Promise<void>;
}

type Form = Record<string, string | string[]>;

const ID = '([A-Za-z0-9_-]{1,100})';

function field(form: Form, name: string): string {
  const value = form[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

/**
 * A message of the core's (its errors speak English) on a page in another language: marked
 * `lang="en"` so a screen reader speaks it as English (WCAG 3.1.2).
 */
export function coreWords(locale: ConsoleLocale, text: string): SafeHtml | string {
  return locale === 'en' ? text : html`<span lang="en">${text}</span>`;
}

/** The id of a page's problem, which the field at fault points to. */
const FLASH_ID = 'flash';

/** On the field a problem is about: marked invalid and described by the problem's words (WCAG 3.3.1). */
function invalidIf(at: boolean): SafeHtml | string {
  return at ? html` aria-invalid="true" aria-describedby="${FLASH_ID}"` : '';
}

function csrfInput(kit: PageKit): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${kit.csrf}">`;
}

function day(date: Date | undefined): string {
  return date ? date.toISOString().slice(0, 10) : '';
}

function instant(date: Date | undefined): string {
  return date ? `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
}

/** A cursor in a query string: `<ISO instant>~<id>`; ids and instants are not personal. */
function readCursor(kit: PageKit): { at: Date; id: string } | undefined {
  const raw = kit.query.get('after');
  if (!raw) return undefined;
  const cut = raw.lastIndexOf('~');
  const at = new Date(raw.slice(0, cut));
  const id = raw.slice(cut + 1);
  if (cut < 0 || Number.isNaN(at.getTime()) || !/^[A-Za-z0-9_-]{0,100}$/.test(id)) {
    throw new GdprMailError('VALIDATION_FAILED', 'The page cursor is not valid.');
  }
  return { at, id };
}

function cursorLink(path: string, at: Date, id: string): string {
  return `${path}?after=${encodeURIComponent(`${at.toISOString()}~${id}`)}`;
}

function table(head: readonly string[], rows: readonly SafeHtml[], empty: string): SafeHtml {
  if (rows.length === 0) return html`<p>${empty}</p>`;
  return html`<div class="table"><table><thead><tr>${head.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

// ---------------------------------------------------------------- requests

/**
 * A streamed JSON download. Its first chunk is read before the answer, so a
 * refusal (a request not verified) is a page rather than a broken download;
 * `audit` runs once the export has started, before anything is sent.
 */
async function jsonDownload(
  source: AsyncIterable<string>,
  filename: string,
  audit: () => Promise<unknown>,
): Promise<ConsoleResult> {
  const parts = source[Symbol.asyncIterator]();
  const first = await parts.next();
  await audit();
  async function* body(): AsyncIterable<string> {
    if (first.done) return;
    yield first.value;
    for (let next = await parts.next(); !next.done; next = await parts.next()) yield next.value;
  }
  return { kind: 'file', contentType: 'application/json; charset=utf-8', filename, body: body() };
}

async function loadRequest(kit: PageKit, id: string): Promise<DsarRequest> {
  return kit.gdpr.dsar.get(id);
}

function eraseCode(request: DsarRequest): string {
  return request.id.slice(0, 8);
}

function isOpen(request: DsarRequest): boolean {
  return DSAR_OPEN_STATUSES.includes(request.status);
}

/** The types whose answer is a copy of the data, which a download link hands over. */
const DOWNLOADABLE: readonly DsarRequest['type'][] = ['access', 'portability'];

/** The profile fields the rectify form offers, by the id of their input. */
const RECTIFIABLE = {
  name: 'rectify-name',
  phone: 'rectify-phone',
  country: 'rectify-country',
} as const;
type Rectifiable = keyof typeof RECTIFIABLE;

/** A `type="date"` value as that day at 00:00 UTC; undefined unless it is a real calendar day. */
function parseDay(value: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const at = new Date(`${value}T00:00:00.000Z`);
  // 2026-02-31 parses as 3 March: only a day that reads back the same is that day.
  return !Number.isNaN(at.getTime()) && day(at) === value ? at : undefined;
}

/** The ids of the request page's fields a problem can be about. */
type FlashField =
  | 'reason'
  | 'confirm'
  | 'extend-notify'
  | 'reject-reason'
  | 'reject-notify'
  | (typeof RECTIFIABLE)[Rectifiable]
  | 'lift-how'
  | 'lift-toldAt';

/** A problem or a result above the request. */
interface Flash {
  kind: 'error' | 'notice';
  text: SafeHtml | string;
  /** The field(s) a problem is about. */
  field?: FlashField | readonly FlashField[];
  /** An error's status; 422 when unset. */
  status?: number;
  /** The error code, as the error pages carry it. */
  code?: string;
  /** The refusal's reasons as posted, shown again when the refusal failed (nothing else is). */
  rejectReason?: string;
  /** The extension's reasons as posted, shown again when its notice could not be mailed. */
  extendReason?: string;
}

function requestDetail(kit: PageKit, request: DsarRequest, flash?: Flash): ConsoleResult {
  const { m, basePath } = kit;
  const now = kit.now();
  const deadline = dsarDeadline(request);
  const left = daysUntil(deadline, now);
  const open = isOpen(request);
  const action = `${basePath}/requests/${request.id}`;
  const at = (name: FlashField): boolean =>
    flash?.kind === 'error' && [flash.field ?? []].flat().includes(name);
  const steps = request.steps.map(
    (s) =>
      html`<tr><td>${instant(s.at)}</td><td>${s.action}</td><td>${s.actor}</td><td>${s.detail ?? ''}</td></tr>`,
  );
  const sources = Object.entries(request.sources).map(
    ([name, r]) =>
      html`<tr><td>${name}</td><td>${r.status}</td><td>${r.attempts}</td><td>${r.count ?? ''}</td></tr>`,
  );
  // Each form shows only on the requests it applies to (open and verified, for most): no
  // button that can only lead to an error page. Each POST checks again all the same.
  const verified = isDsarVerified(request);
  const exportable = verified && open;
  const rectifyField = (name: Rectifiable, label: string, type: string, max: number) =>
    html`<label for="${RECTIFIABLE[name]}">${label}</label><input id="${RECTIFIABLE[name]}" name="${name}" type="${type}" maxlength="${max}" autocomplete="off"${invalidIf(at(RECTIFIABLE[name]))}>`;
  const body = html`
${flash ? html`<p class="${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}" id="${FLASH_ID}"${flash.code ? html` data-code="${flash.code}"` : ''}>${flash.text}</p>` : ''}
<dl>
<dt>${m.type}</dt><dd>${request.type}</dd>
<dt>${m.status}</dt><dd>${request.status}</dd>
<dt>${m.received}</dt><dd>${instant(request.receivedAt)}</dd>
<dt>${m.deadline}</dt><dd>${day(deadline)}${request.extendedDueAt ? html` (${m.extended})` : ''}</dd>
<dt>${m.daysLeft}</dt><dd${open && left < 0 ? html` class="overdue"` : ''}>${open ? (left < 0 ? `${m.overdue} (${-left})` : left) : '—'}</dd>
<dt>${m.person}</dt><dd><a href="${basePath}/person/${request.subjectId}" class="mono">${request.subjectId}</a></dd>
${request.extensionReason ? html`<dt>${m.extendReason}</dt><dd>${request.extensionReason}</dd>` : ''}
</dl>
<h2>${m.steps}</h2>
${table([m.when, m.action, m.actor, m.detail], steps, m.none)}
${sources.length > 0 ? html`<h2>${m.sources}</h2>${table([m.source, m.status, '#', m.count], sources, m.none)}` : ''}
${
  // Past the first month core refuses any extension (Art. 12(3)): no form that can only fail.
  open && !request.extendedDueAt && canExtend(request.receivedAt, now)
    ? html`<form class="box" method="post" action="${action}/extend">${csrfInput(kit)}
<h2>${m.extend}</h2><p>${m.extendHelp}</p>
<label for="reason">${m.extendReason}</label><textarea id="reason" name="reason" required maxlength="2000"${invalidIf(at('reason'))}>${flash?.extendReason ?? ''}</textarea>
<label for="extend-notify" class="check"><input id="extend-notify" name="notify" type="checkbox" value="1" checked${invalidIf(at('extend-notify'))}> ${m.extendNotify}</label>
<button type="submit">${m.extend}</button></form>`
    : ''
}
${
  exportable && DOWNLOADABLE.includes(request.type)
    ? html`<form class="box" method="post" action="${action}/send-link">${csrfInput(kit)}
<h2>${m.sendLink}</h2><p>${m.sendLinkHelp}</p>
<button type="submit">${m.sendLink}</button></form>`
    : ''
}
${
  exportable
    ? html`<form class="box" method="post" action="${action}/export">${csrfInput(kit)}
<button type="submit">${m.exportJson}</button></form>`
    : ''
}
${
  verified && open && request.type === 'rectification'
    ? html`<form class="box" method="post" action="${action}/rectify">${csrfInput(kit)}
<h2>${m.rectify}</h2><p>${m.rectifyHelp}</p>
${rectifyField('name', m.rectifyName, 'text', 256)}
${rectifyField('phone', m.rectifyPhone, 'tel', 64)}
${rectifyField('country', m.rectifyCountry, 'text', 2)}
<button type="submit">${m.rectify}</button></form>`
    : ''
}
${
  verified && (open || request.status === 'completed') && restrictionInForce(request)
    ? html`<form class="box" method="post" action="${action}/lift-restriction">${csrfInput(kit)}
<h2>${m.liftRestriction}</h2><p>${m.liftHelp}</p>
<label for="lift-how">${m.liftHow}</label><input id="lift-how" name="how" type="text" required maxlength="200"${invalidIf(at('lift-how'))}>
<label for="lift-toldAt">${m.liftToldAt}</label><input id="lift-toldAt" name="toldAt" type="date" required max="${day(now)}"${invalidIf(at('lift-toldAt'))}>
<button type="submit">${m.liftRestriction}</button></form>`
    : ''
}
${
  verified && open
    ? html`<form class="box" method="post" action="${action}/complete">${csrfInput(kit)}
<h2>${m.complete}</h2><p>${m.completeHelp}</p>
<button type="submit">${m.complete}</button></form>`
    : ''
}
${
  verified && open && request.type === 'erasure'
    ? html`<form class="box" method="post" action="${action}/erase">${csrfInput(kit)}
<h2>${m.erase}</h2><p>${m.eraseHelp(eraseCode(request))}</p>
<label for="confirm">${m.eraseConfirm}</label><input id="confirm" name="confirm" type="text" required autocomplete="off"${invalidIf(at('confirm'))}>
<button type="submit" class="danger">${m.erase}</button></form>`
    : ''
}
${
  open
    ? html`<form class="box" method="post" action="${action}/reject">${csrfInput(kit)}
<h2>${m.reject}</h2><p>${m.rejectHelp}</p>
<label for="reject-reason">${m.rejectReason}</label><textarea id="reject-reason" name="reason" required maxlength="2000"${invalidIf(at('reject-reason'))}>${flash?.rejectReason ?? ''}</textarea>
<label for="reject-notify" class="check"><input id="reject-notify" name="notify" type="checkbox" value="1" checked${invalidIf(at('reject-notify'))}> ${m.rejectNotify}</label>
<button type="submit" class="danger">${m.reject}</button></form>`
    : ''
}`;
  return {
    kind: 'page',
    ...(flash?.kind === 'error' ? { status: flash.status ?? 422 } : {}),
    section: 'requests',
    title: `${m.request} ${request.id.slice(0, 8)}`,
    body,
  };
}

/** How a route that answers a request shows core's refusals. */
interface Refusals {
  /** The field a `VALIDATION_FAILED` is about. */
  field?: (error: GdprMailError) => FlashField | readonly FlashField[] | undefined;
  /**
   * The console's words for a mail the mailer refused (`SUPPRESSED`), could not send, or
   * had no address for (`SUBJECT_NOT_FOUND`: the person was erased meanwhile).
   */
  mail?: { refused: string; failed: string; gone?: string; field?: FlashField };
  rejectReason?: string;
  extendReason?: string;
}

/**
 * The request page again with core's refusal above it: 409 for a closed or unconfirmed
 * request (as `statusForCode` says), 422 for what the form got wrong, 409 for an address
 * the mailer refuses and 502 for a mail the transport did not take (in the console's own
 * words: a provider's message may name the person). Anything else is thrown on, to the
 * error page.
 */
async function refusedPage(
  kit: PageKit,
  id: string,
  error: unknown,
  refusals: Refusals = {},
): Promise<ConsoleResult> {
  if (!isGdprMailError(error)) throw error;
  const { code } = error;
  const { mail } = refusals;
  let flash: Flash;
  if (code === 'DSAR_CLOSED' || code === 'DSAR_NOT_VERIFIED') {
    flash = { kind: 'error', status: 409, text: coreWords(kit.locale, error.message) };
  } else if (code === 'VALIDATION_FAILED') {
    const issues = error.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    const field = refusals.field?.(error);
    flash = {
      kind: 'error',
      status: 422,
      text: coreWords(kit.locale, issues ? `${error.message} ${issues}` : error.message),
      ...(field ? { field } : {}),
    };
  } else if (mail && (code === 'SUPPRESSED' || MAIL_NOT_SENT_CODES.has(code))) {
    flash = {
      kind: 'error',
      status: code === 'SUPPRESSED' ? 409 : 502,
      text: code === 'SUPPRESSED' ? mail.refused : mail.failed,
      ...(mail.field ? { field: mail.field } : {}),
    };
  } else if (mail?.gone && code === 'SUBJECT_NOT_FOUND') {
    flash = {
      kind: 'error',
      status: 409,
      text: mail.gone,
      ...(mail.field ? { field: mail.field } : {}),
    };
  } else {
    throw error;
  }
  return requestDetail(kit, await loadRequest(kit, id), {
    ...flash,
    code,
    ...(refusals.rejectReason ? { rejectReason: refusals.rejectReason } : {}),
    ...(refusals.extendReason ? { extendReason: refusals.extendReason } : {}),
  });
}

function toRequest(kit: PageKit, request: DsarRequest): ConsoleResult {
  return { kind: 'redirect', location: `${kit.basePath}/requests/${request.id}` };
}

export const requestPages: ConsoleRoute[] = [
  {
    method: 'GET',
    pattern: /^\/requests\/?$/,
    action: 'view',
    async handle(kit) {
      const { m, basePath } = kit;
      const cursor = readCursor(kit);
      const rows = await kit.gdpr.dsar.list({
        status: DSAR_OPEN_STATUSES,
        limit: kit.pageSize + 1,
        ...(cursor ? { after: { dueAt: cursor.at, id: cursor.id } } : {}),
      });
      const more = rows.length > kit.pageSize;
      const shown = rows.slice(0, kit.pageSize);
      const now = kit.now();
      const body = html`${table(
        [m.request, m.type, m.status, m.received, m.deadline, m.daysLeft],
        shown.map((r) => {
          const left = daysUntil(dsarDeadline(r), now);
          return html`<tr${left < 0 ? html` class="overdue"` : ''}><td><a href="${basePath}/requests/${r.id}" class="mono">${r.id.slice(0, 8)}</a></td><td>${r.type}</td><td>${r.status}</td><td>${day(r.receivedAt)}</td><td>${day(dsarDeadline(r))}${r.extendedDueAt ? html` (${m.extended})` : ''}</td><td>${left < 0 ? `${m.overdue} (${-left})` : left}</td></tr>`;
        }),
        m.none,
      )}
<p>${cursor ? html`<a href="${basePath}/requests">${m.first}</a> ` : ''}${
        more
          ? html`<a rel="next" href="${cursorLink(`${basePath}/requests`, dsarDeadline(shown.at(-1)!), shown.at(-1)!.id)}">${m.next}</a>`
          : ''
      }</p>`;
      return { kind: 'page', section: 'requests', title: m.openRequests, body };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/requests/${ID}$`),
    action: 'view',
    async handle(kit, [id]) {
      const request = await loadRequest(kit, id!);
      await kit.audit('view', { requestId: request.id }, request.subjectId);
      // The notice of a link just sent, after the redirect (the only `done` there is).
      return requestDetail(
        kit,
        request,
        kit.query.get('done') === 'link-sent'
          ? { kind: 'notice', text: kit.m.sendLinkDone }
          : undefined,
      );
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/requests/${ID}/extend$`),
    action: 'extend',
    async handle(kit, [id], form) {
      const reason = field(form, 'reason');
      // An unticked box is not posted: only a ticked one mails the person (Art. 12(3)).
      const notify = field(form, 'notify') === '1';
      let request: DsarRequest;
      try {
        request = await kit.gdpr.dsar.extend(id!, reason, kit.actor, { notify });
      } catch (error) {
        if (error instanceof GdprMailError && error.code === 'DSAR_EXTENSION_REFUSED') {
          return requestDetail(kit, await loadRequest(kit, id!), {
            kind: 'error',
            text: coreWords(kit.locale, error.message),
          });
        }
        return refusedPage(kit, id!, error, {
          field: () => 'reason',
          mail: {
            refused: kit.m.extendMailRefused,
            failed: kit.m.extendMailFailed,
            gone: kit.m.extendNoAddress,
            field: 'extend-notify',
          },
          extendReason: reason,
        });
      }
      await kit.audit('extend', { requestId: request.id, notified: notify }, request.subjectId);
      return toRequest(kit, request);
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/requests/${ID}/export$`),
    action: 'export',
    async handle(kit, [id]) {
      const request = await loadRequest(kit, id!);
      return jsonDownload(kit.gdpr.dsar.exportJson(request.id), `dsar-${request.id}.json`, () =>
        kit.audit('export', { requestId: request.id }, request.subjectId),
      );
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/requests/${ID}/send-link$`),
    action: 'export',
    async handle(kit, [id]) {
      const request = await loadRequest(kit, id!);
      // Core mails a link to any verified request's export: only a request for a copy of
      // the data is answered by one.
      if (!DOWNLOADABLE.includes(request.type)) {
        return requestDetail(kit, request, {
          kind: 'error',
          text: kit.m.sendLinkNotExport(request.type),
        });
      }
      try {
        // The returned URL is a bearer link to the person's data: it goes in their mail only,
        // never on this page.
        await kit.gdpr.dsar.sendDownloadLink(request.id);
      } catch (error) {
        return refusedPage(kit, request.id, error, {
          mail: { refused: kit.m.sendLinkMailRefused, failed: kit.m.sendLinkMailFailed },
        });
      }
      await kit.audit('send-link', { requestId: request.id }, request.subjectId);
      // Post/redirect/get: reloading the answer must not mail a second link.
      return {
        kind: 'redirect',
        location: `${kit.basePath}/requests/${request.id}?done=link-sent`,
      };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/requests/${ID}/rectify$`),
    action: 'answer',
    async handle(kit, [id], form) {
      const request = await loadRequest(kit, id!);
      // Core rectifies on any verified request: only a rectification request asks for it.
      if (request.type !== 'rectification') {
        return requestDetail(kit, request, {
          kind: 'error',
          text: kit.m.rectifyNotRectification(request.type),
        });
      }
      const names = Object.keys(RECTIFIABLE) as Rectifiable[];
      const patch: SubjectProfilePatch = {};
      for (const name of names) {
        const value = field(form, name);
        if (value) patch[name] = value;
      }
      const changed = Object.keys(patch);
      if (changed.length === 0) {
        return requestDetail(kit, request, {
          kind: 'error',
          text: kit.m.rectifyEmpty,
          field: names.map((name) => RECTIFIABLE[name]),
        });
      }
      try {
        await kit.gdpr.dsar.rectify(request.id, patch, kit.actor);
      } catch (error) {
        // Only the names of the fields at fault are shown: never the values (personal data).
        return refusedPage(kit, request.id, error, {
          field: (e) =>
            names
              .filter((name) => e.issues.some((i) => i.path === name))
              .map((n) => RECTIFIABLE[n]),
        });
      }
      await kit.audit('rectify', { requestId: request.id, fields: changed }, request.subjectId);
      return toRequest(kit, request);
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/requests/${ID}/lift-restriction$`),
    action: 'answer',
    async handle(kit, [id], form) {
      const request = await loadRequest(kit, id!);
      // Checked here as core does, before the date: the console's own words for the usual case.
      if (!restrictionInForce(request)) {
        return requestDetail(kit, request, { kind: 'error', text: kit.m.liftNotRestricted });
      }
      const how = field(form, 'how');
      const toldAt = parseDay(field(form, 'toldAt'));
      // Art. 18(3): told before the lift, so not on a day still to come.
      if (!toldAt || toldAt.getTime() > kit.now().getTime()) {
        return requestDetail(kit, request, {
          kind: 'error',
          text: kit.m.liftBadDate,
          field: 'lift-toldAt',
        });
      }
      try {
        await kit.gdpr.dsar.liftRestriction(request.id, { toldAt, how }, kit.actor);
      } catch (error) {
        // An empty `how` is the one VALIDATION_FAILED about the form; the other says the
        // person is not restricted any more.
        return refusedPage(kit, request.id, error, {
          field: () => (how ? undefined : 'lift-how'),
        });
      }
      await kit.audit('lift-restriction', { requestId: request.id }, request.subjectId);
      return toRequest(kit, request);
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/requests/${ID}/complete$`),
    action: 'answer',
    async handle(kit, [id]) {
      const request = await loadRequest(kit, id!);
      // Core refuses it too (DSAR_NOT_VERIFIED); checked here for the console's own words: an
      // unconfirmed request may not be the person's own (REQ-21), it is refused or left.
      if (!isDsarVerified(request)) {
        return requestDetail(kit, request, {
          kind: 'error',
          status: 409,
          code: 'DSAR_NOT_VERIFIED',
          text: kit.m.completeNotVerified,
        });
      }
      try {
        await kit.gdpr.dsar.complete(request.id, kit.actor);
      } catch (error) {
        return refusedPage(kit, request.id, error);
      }
      await kit.audit('complete', { requestId: request.id }, request.subjectId);
      return toRequest(kit, request);
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/requests/${ID}/erase$`),
    action: 'erase',
    async handle(kit, [id], form) {
      const request = await loadRequest(kit, id!);
      // The form is only shown on erasure requests, but a POST can name any request: an access
      // or portability request must never cost the person their data.
      if (request.type !== 'erasure') {
        return requestDetail(kit, request, {
          kind: 'error',
          text: kit.m.eraseNotErasure(request.type),
        });
      }
      if (field(form, 'confirm') !== eraseCode(request)) {
        return requestDetail(kit, request, {
          kind: 'error',
          text: kit.m.eraseMismatch,
          field: 'confirm',
        });
      }
      const certificate = await kit.gdpr.dsar.erase(request.id, { actor: kit.actor });
      await kit.audit('erase', { requestId: request.id }, request.subjectId);
      return requestDetail(kit, await loadRequest(kit, request.id), {
        kind: 'notice',
        text: html`${kit.m.eraseDone} <code>${JSON.stringify({
          sources: certificate.sources,
          processors: certificate.processors,
        })}</code>`,
      });
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/requests/${ID}/reject$`),
    action: 'answer',
    async handle(kit, [id], form) {
      const reason = field(form, 'reason');
      // An unticked box is not posted: only a ticked one mails the person.
      const notify = field(form, 'notify') === '1';
      let request: DsarRequest;
      try {
        request = await kit.gdpr.dsar.reject(id!, reason, kit.actor, { notify });
      } catch (error) {
        return refusedPage(kit, id!, error, {
          field: () => 'reject-reason',
          mail: {
            refused: kit.m.rejectMailRefused,
            failed: kit.m.rejectMailFailed,
            gone: kit.m.rejectNoAddress,
            field: 'reject-notify',
          },
          rejectReason: reason,
        });
      }
      await kit.audit('reject', { requestId: request.id, notified: notify }, request.subjectId);
      return toRequest(kit, request);
    },
  },
];

// ---------------------------------------------------------------- person

function lookupForm(kit: PageKit, error?: string): ConsoleResult {
  const { m, basePath } = kit;
  return {
    kind: 'page',
    ...(error ? { status: 404 } : {}),
    section: 'person',
    title: m.lookup,
    body: html`${error ? html`<p class="error" role="alert" id="${FLASH_ID}">${error}</p>` : ''}<p>${m.lookupHelp}</p>
<form class="box" method="post" action="${basePath}/person">${csrfInput(kit)}
<label for="email">${m.address}</label><input id="email" name="email" type="email" required autocomplete="off" maxlength="320"${invalidIf(Boolean(error))}>
<button type="submit">${m.find}</button></form>`,
  };
}

async function subjectOf(kit: PageKit, id: string) {
  const subject = await kit.gdpr.store.getSubject(id);
  if (!subject) throw new GdprMailError('SUBJECT_NOT_FOUND', 'No one is on record with this id.');
  return subject;
}

function purposeOf(kit: PageKit, purposeId: string) {
  const purpose = kit.gdpr.config.purposes.find((p) => p.id === purposeId);
  if (!purpose) throw new GdprMailError('UNKNOWN_PURPOSE', 'There is no such purpose.');
  return purpose;
}

/** The proof as handed to a regulator: canonical JSON, sealed with HMAC-SHA256. */
async function signedProof(kit: PageKit, subjectId: string, purposeId: string) {
  const subject = await subjectOf(kit, subjectId);
  const purpose = purposeOf(kit, purposeId);
  const bundle = await kit.gdpr.consent.prove(subject.email, purpose.id);
  const proof = {
    kind: 'gdpr-mail/consent-proof',
    version: 1,
    issuedAt: kit.now(),
    issuedBy: kit.actor,
    controller: kit.gdpr.config.controller.name,
    purpose: { id: purpose.id, title: purpose.title, lawfulBasis: purpose.lawfulBasis },
    subjectId: bundle.subjectId,
    state: bundle.state,
    events: bundle.events,
    notices: bundle.notices,
    chain: bundle.chain,
  };
  const payload = canonicalJson(proof);
  const signature = createHmac('sha256', kit.proofSecret).update(payload).digest('base64url');
  return { proof, payload, signature, bundle, purpose };
}

/** How many of a person's deliveries their page shows, newest first. */
const LATEST_DELIVERIES = 20;
const DELIVERY_PAGE = 500;

function newestFirst(a: DeliveryRecord, b: DeliveryRecord): number {
  const byTime = b.createdAt.getTime() - a.createdAt.getTime();
  return byTime !== 0 ? byTime : a.idempotencyKey < b.idempotencyKey ? 1 : -1;
}

/**
 * The person's latest deliveries. The store pages them in idempotency-key order (a
 * campaign's keys, then one-off ones: nothing to do with time), so the first page is
 * not the latest: every page is read, a page at a time, keeping only the newest.
 */
async function latestDeliveries(kit: PageKit, subjectId: string): Promise<DeliveryRecord[]> {
  let latest: DeliveryRecord[] = [];
  let afterKey: string | undefined;
  for (;;) {
    const page = await kit.gdpr.store.listDeliveries({
      subjectId,
      limit: DELIVERY_PAGE,
      ...(afterKey === undefined ? {} : { afterKey }),
    });
    latest = [...latest, ...page].sort(newestFirst).slice(0, LATEST_DELIVERIES);
    if (page.length < DELIVERY_PAGE) return latest;
    afterKey = page.at(-1)!.idempotencyKey;
  }
}

/** A person's requests shown on their page; more would be a person the per-address limits let through for months. */
const PERSON_REQUESTS = 50;

export const personPages: ConsoleRoute[] = [
  {
    method: 'GET',
    pattern: /^\/person\/?$/,
    action: 'view',
    handle: async (kit) => lookupForm(kit),
  },
  {
    method: 'POST',
    pattern: /^\/person\/?$/,
    action: 'view',
    async handle(kit, _params, form) {
      const email = field(form, 'email');
      const subject = email ? await kit.gdpr.subjects.get(email).catch(() => undefined) : undefined;
      if (!subject) return lookupForm(kit, kit.m.notFound);
      await kit.audit('lookup', {}, subject.id);
      // The address stays in the POST body: the URL carries the pseudonymous id only.
      return { kind: 'redirect', location: `${kit.basePath}/person/${subject.id}` };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/person/${ID}$`),
    action: 'view',
    async handle(kit, [id]) {
      const { m, basePath, gdpr } = kit;
      const subject = await subjectOf(kit, id!);
      await kit.audit('view', {}, subject.id);
      const events = await gdpr.consent.history(subject.email);
      const suppression = await gdpr.suppression.check(subject.email);
      const deliveries = await latestDeliveries(kit, subject.id);
      // Closed requests too: a completed restriction request is where its lift is done.
      const requests = await gdpr.dsar.list({ subjectId: subject.id, limit: PERSON_REQUESTS + 1 });
      const decisions: SafeHtml[] = [];
      for (const purpose of gdpr.config.purposes) {
        const decision = await gdpr.canSend(subject.email, purpose.id);
        decisions.push(
          html`<tr><td>${purpose.title} <span class="mono">(${purpose.id})</span></td><td class="${decision.allowed ? 'ok' : 'overdue'}">${decision.allowed ? m.allowed : m.denied}</td><td>${decision.reason}</td><td><a href="${basePath}/person/${subject.id}/proof/${purpose.id}">${m.proofPrint}</a> · <a href="${basePath}/person/${subject.id}/proof/${purpose.id}.json">${m.proofJson}</a></td></tr>`,
        );
      }
      const ledger = events.map(
        (e) =>
          html`<tr><td>${e.seq}</td><td>${instant(e.at)}</td><td>${e.type}</td><td>${e.purposeId}</td><td>${e.proof.method}</td><td>${e.proof.source}</td><td>${e.proof.noticeVersion ?? ''}</td><td class="mono">${e.hash.slice(0, 12)}</td><td>${e.proof.ip ?? ''}</td></tr>`,
      );
      const sent = deliveries.map(
        (d) =>
          html`<tr><td>${instant(d.createdAt)}</td><td>${d.purposeId}</td><td>${d.status}</td><td>${d.transport}</td><td>${d.reason ?? ''}</td></tr>`,
      );
      const body = html`<dl>
<dt>${m.personId}</dt><dd class="mono">${subject.id}</dd>
<dt>${m.created}</dt><dd>${day(subject.createdAt)}</dd>
<dt>${m.suppression}</dt><dd>${suppression ? `${suppression.reason} (${day(suppression.at)})` : m.notSuppressed}</dd>
</dl>
<h2>${m.decisions}</h2>
${table([m.purpose, m.decision, m.reason, m.proof], decisions, m.none)}
<h2>${m.ledger}</h2>
${table(['#', m.when, m.type, m.purpose, m.method, m.source, m.notice, m.hash, m.ip], ledger, m.none)}
<h2>${m.personRequests}</h2>
${table(
  [m.request, m.type, m.status, m.received, m.deadline],
  requests
    .slice(0, PERSON_REQUESTS)
    .map(
      (r) =>
        html`<tr><td><a href="${basePath}/requests/${r.id}" class="mono">${r.id.slice(0, 8)}</a></td><td>${r.type}</td><td>${r.status}</td><td>${day(r.receivedAt)}</td><td>${day(dsarDeadline(r))}</td></tr>`,
    ),
  m.none,
)}${requests.length > PERSON_REQUESTS ? html`<p>${m.moreRequests(PERSON_REQUESTS)}</p>` : ''}
<h2>${m.deliveries}</h2>
${table([m.when, m.purpose, m.status, 'Transport', m.reason], sent, m.none)}
<form class="box" method="post" action="${basePath}/person/${subject.id}/export">${csrfInput(kit)}
<button type="submit">${m.adminExport}</button></form>`;
      return {
        kind: 'page',
        section: 'person',
        title: `${m.person} ${subject.id.slice(0, 8)}`,
        body,
      };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/person/${ID}/export$`),
    action: 'export',
    async handle(kit, [id]) {
      const subject = await subjectOf(kit, id!);
      return jsonDownload(
        kit.gdpr.dsar.adminExport(subject.email, kit.actor),
        `person-${subject.id}.json`,
        () => kit.audit('export', {}, subject.id),
      );
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/person/${ID}/proof/([A-Za-z0-9_-]{1,100})\\.json$`),
    action: 'view',
    async handle(kit, [id, purposeId]) {
      const { proof, signature } = await signedProof(kit, id!, purposeId!);
      await kit.audit('proof', { purposeId, format: 'json' }, id);
      return {
        kind: 'file',
        contentType: 'application/json; charset=utf-8',
        filename: `consent-proof-${id}-${purposeId}.json`,
        body: `${JSON.stringify({ proof, signature: { alg: 'HS256', value: signature } }, null, 2)}\n`,
      };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/person/${ID}/proof/([A-Za-z0-9_-]{1,100})$`),
    action: 'view',
    async handle(kit, [id, purposeId]) {
      const { m } = kit;
      const { bundle, purpose, signature } = await signedProof(kit, id!, purposeId!);
      await kit.audit('proof', { purposeId, format: 'html' }, id);
      const noticeByHash = new Map(bundle.notices.map((n) => [n.hash, n]));
      const events = bundle.events.map((e) => {
        const notice = e.proof.noticeHash ? noticeByHash.get(e.proof.noticeHash) : undefined;
        return html`<tr><td>${instant(e.at)}</td><td>${e.type}</td><td>${e.proof.method}</td><td>${e.proof.source}${e.proof.formId ? ` (${e.proof.formId})` : ''}</td><td>${e.proof.noticeVersion ?? ''}</td><td class="mono">${e.hash}</td><td>${e.proof.ip ?? ''}</td></tr>${
          notice
            ? html`<tr><td colspan="7"><strong>${m.noticeShown}</strong> (${notice.version}, <span class="mono">${notice.hash.slice(0, 16)}</span>): <q>${notice.text}</q></td></tr>`
            : ''
        }`;
      });
      const body = html`<dl>
<dt>${m.personId}</dt><dd class="mono">${bundle.subjectId}</dd>
<dt>${m.purpose}</dt><dd>${purpose.title} (${purpose.id}, ${purpose.lawfulBasis})</dd>
<dt>${m.status}</dt><dd>${bundle.state.status}</dd>
<dt>${m.when}</dt><dd>${instant(kit.now())}</dd>
<dt>${m.actor}</dt><dd>${kit.actor}</dd>
</dl>
<p class="${bundle.chain.ok ? 'ok' : 'overdue'}">${bundle.chain.ok ? m.chainIntact : m.chainBroken}</p>
${table([m.when, m.type, m.method, m.source, m.notice, m.hash, m.ip], events, m.none)}
<p class="mono">HMAC-SHA256: ${signature}</p>`;
      return { kind: 'page', section: 'person', title: m.proofTitle, body };
    },
  },
];

// ---------------------------------------------------------------- breaches

function clock(kit: PageKit, b: BreachIncident): SafeHtml {
  if (b.authorityNotifiedAt)
    return html`${kit.m.authorityNotified} ${instant(b.authorityNotifiedAt)}`;
  const hours = Math.floor((b.notifyBy.getTime() - kit.now().getTime()) / 3_600_000);
  return hours >= 0
    ? html`<span class="ok">${kit.m.hoursLeft(hours)}</span>`
    : html`<span class="overdue">${kit.m.hoursLate(-hours)}</span>`;
}

function breachForm(kit: PageKit): SafeHtml {
  const { m, basePath } = kit;
  const text = (name: string, label: string, type = 'text', extra = '') =>
    html`<label for="b-${name}">${label}${extra ? html` <small>(${extra})</small>` : ''}</label><input id="b-${name}" name="${name}" type="${type}" required${type === 'number' ? html` min="0"` : ''}>`;
  const area = (name: string, label: string) =>
    html`<label for="b-${name}">${label}</label><textarea id="b-${name}" name="${name}" required></textarea>`;
  return html`<form class="box" method="post" action="${basePath}/breaches">${csrfInput(kit)}
<h2>${m.recordBreach}</h2>
${text('title', m.title)}
${text('awareAt', m.awareAt, 'datetime-local')}
${area('description', m.description)}
${text('subjectCategories', m.subjectCategories, 'text', m.commaSeparated)}
${text('approxSubjects', m.approxSubjects, 'number')}
${text('recordCategories', m.recordCategories, 'text', m.commaSeparated)}
${text('approxRecords', m.approxRecords, 'number')}
${area('likelyConsequences', m.consequences)}
${area('measures', m.measures)}
<label for="b-risk">${m.risk}</label><select id="b-risk" name="risk"><option>unlikely</option><option selected>risk</option><option>high-risk</option></select>
<label class="check"><input type="checkbox" name="encryptionException" value="1"> ${m.encrypted}</label>
<button type="submit">${m.record}</button></form>`;
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((v) => v.trim())
    .filter(Boolean);
}

function breachDetail(kit: PageKit, b: BreachIncident): ConsoleResult {
  const { m, basePath } = kit;
  const action = `${basePath}/breaches/${b.id}`;
  const phases = b.phases.map(
    (p) =>
      html`<tr><td>${instant(p.at)}</td><td>${p.kind}</td><td>${p.actor}</td><td>${p.note}</td></tr>`,
  );
  const open = b.status === 'open';
  const body = html`<dl>
<dt>${m.status}</dt><dd>${open ? m.open : m.closed}</dd>
<dt>${m.awareAt}</dt><dd>${instant(b.awareAt)}</dd>
<dt>${m.notifyBy}</dt><dd>${instant(b.notifyBy)}</dd>
<dt>${m.clock}</dt><dd>${clock(kit, b)}</dd>
<dt>${m.risk}</dt><dd>${b.risk}${b.encryptionException ? ` (${m.encrypted})` : ''}</dd>
<dt>${m.description}</dt><dd>${b.nature.description}</dd>
<dt>${m.subjectCategories}</dt><dd>${b.nature.subjectCategories.join(', ')} (~${b.nature.approxSubjects})</dd>
<dt>${m.recordCategories}</dt><dd>${b.nature.recordCategories.join(', ')} (~${b.nature.approxRecords})</dd>
<dt>${m.consequences}</dt><dd>${b.likelyConsequences}</dd>
<dt>${m.measures}</dt><dd>${b.measures}</dd>
<dt>${m.authorityNotified}</dt><dd>${b.authorityNotifiedAt ? `${instant(b.authorityNotifiedAt)} ${b.authorityReference ?? ''}` : m.no}</dd>
<dt>${m.subjectsNotified}</dt><dd>${b.subjectsNotifiedAt ? instant(b.subjectsNotifiedAt) : m.no}</dd>
${b.delayReason ? html`<dt>${m.delayReason}</dt><dd>${b.delayReason}</dd>` : ''}
</dl>
<h2>${m.phases}</h2>
${table([m.when, m.type, m.actor, m.note], phases, m.none)}
${
  open
    ? html`${
        b.authorityNotifiedAt
          ? ''
          : html`<form class="box" method="post" action="${action}/authority">${csrfInput(kit)}
<h2>${m.notifyAuthority}</h2>
<label for="a-ref">${m.reference}</label><input id="a-ref" name="reference" type="text">
<label for="a-delay">${m.delayReason}</label><textarea id="a-delay" name="delayReason"></textarea>
<button type="submit">${m.record}</button></form>`
      }${
        b.subjectsNotifiedAt
          ? ''
          : html`<form class="box" method="post" action="${action}/subjects">${csrfInput(kit)}
<h2>${m.notifySubjects}</h2>
<label for="s-note">${m.note}</label><textarea id="s-note" name="note"></textarea>
<button type="submit">${m.record}</button></form>`
      }<form class="box" method="post" action="${action}/close">${csrfInput(kit)}
<h2>${m.close}</h2>
<label for="c-note">${m.note}</label><textarea id="c-note" name="note"></textarea>
<label for="c-delay">${m.delayReason}</label><textarea id="c-delay" name="delayReason"></textarea>
<button type="submit">${m.close}</button></form>`
    : ''
}`;
  return { kind: 'page', section: 'breaches', title: `${m.breach}: ${b.title}`, body };
}

function optional(form: Form, name: string): Record<string, string> {
  const value = field(form, name);
  return value ? { [name]: value } : {};
}

function breachChange(
  path: string,
  act: (kit: PageKit, id: string, form: Form) => Promise<BreachIncident>,
  label: string,
): ConsoleRoute {
  return {
    method: 'POST',
    pattern: new RegExp(`^/breaches/${ID}/${path}$`),
    action: 'breach',
    async handle(kit, [id], form) {
      const incident = await act(kit, id!, form);
      await kit.audit(`breach.${label}`, { breachId: incident.id });
      return { kind: 'redirect', location: `${kit.basePath}/breaches/${incident.id}` };
    },
  };
}

export const breachPages: ConsoleRoute[] = [
  {
    method: 'GET',
    pattern: /^\/breaches\/?$/,
    action: 'view',
    async handle(kit) {
      const { m, basePath } = kit;
      const cursor = readCursor(kit);
      const rows = await kit.gdpr.breaches.list({
        limit: kit.pageSize + 1,
        ...(cursor ? { after: { awareAt: cursor.at, id: cursor.id } } : {}),
      });
      const more = rows.length > kit.pageSize;
      const shown = rows.slice(0, kit.pageSize);
      const body = html`${table(
        [m.title, m.status, m.awareAt, m.risk, m.clock],
        shown.map(
          (b) =>
            html`<tr><td><a href="${basePath}/breaches/${b.id}">${b.title}</a></td><td>${b.status === 'open' ? m.open : m.closed}</td><td>${instant(b.awareAt)}</td><td>${b.risk}</td><td>${b.status === 'open' ? clock(kit, b) : '—'}</td></tr>`,
        ),
        m.none,
      )}
<p>${cursor ? html`<a href="${basePath}/breaches">${m.first}</a> ` : ''}${
        more
          ? html`<a rel="next" href="${cursorLink(`${basePath}/breaches`, shown.at(-1)!.awareAt, shown.at(-1)!.id)}">${m.next}</a>`
          : ''
      }</p>
${breachForm(kit)}`;
      return { kind: 'page', section: 'breaches', title: m.breaches, body };
    },
  },
  {
    method: 'POST',
    pattern: /^\/breaches\/?$/,
    action: 'breach',
    async handle(kit, _params, form) {
      const awareRaw = field(form, 'awareAt');
      // datetime-local has no zone: the form says UTC.
      const awareAt = new Date(/Z|[+-]\d\d:?\d\d$/.test(awareRaw) ? awareRaw : `${awareRaw}Z`);
      const incident = await kit.gdpr.breaches.open({
        title: field(form, 'title'),
        awareAt,
        nature: {
          description: field(form, 'description'),
          subjectCategories: list(field(form, 'subjectCategories')),
          approxSubjects: Number(field(form, 'approxSubjects')),
          recordCategories: list(field(form, 'recordCategories')),
          approxRecords: Number(field(form, 'approxRecords')),
        },
        likelyConsequences: field(form, 'likelyConsequences'),
        measures: field(form, 'measures'),
        risk: field(form, 'risk') as BreachIncident['risk'],
        encryptionException: field(form, 'encryptionException') === '1',
        actor: kit.actor,
      });
      await kit.audit('breach.open', { breachId: incident.id });
      return { kind: 'redirect', location: `${kit.basePath}/breaches/${incident.id}` };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/breaches/${ID}$`),
    action: 'view',
    handle: async (kit, [id]) => breachDetail(kit, await kit.gdpr.breaches.get(id!)),
  },
  breachChange(
    'authority',
    (kit, id, form) =>
      kit.gdpr.breaches.notifyAuthority(id, {
        ...optional(form, 'reference'),
        ...optional(form, 'delayReason'),
        actor: kit.actor,
      }),
    'authority-notified',
  ),
  breachChange(
    'subjects',
    (kit, id, form) =>
      kit.gdpr.breaches.notifySubjects(id, { ...optional(form, 'note'), actor: kit.actor }),
    'subjects-notified',
  ),
  breachChange(
    'close',
    (kit, id, form) =>
      kit.gdpr.breaches.close(id, {
        ...optional(form, 'note'),
        ...optional(form, 'delayReason'),
        actor: kit.actor,
      }),
    'close',
  ),
];

// ---------------------------------------------------------------- retention

/** How long a page waits for a plan before it shows the reloading page instead. */
const PLAN_WAIT_MS = 150;

export const retentionPages: ConsoleRoute[] = [
  {
    method: 'GET',
    pattern: /^\/retention\/?$/,
    action: 'view',
    async handle(kit) {
      const { m, basePath } = kit;
      // The plan walks every subject (seconds at a million): computed in the background,
      // shown at once when it ends within a page's time budget, else a page that says so
      // with a link to check again (a page that reloads itself fails WCAG 2.2.1).
      if (!kit.plans.current()) {
        kit.plans.start();
        await kit.plans.settled(PLAN_WAIT_MS);
      }
      const run = kit.plans.current()!;
      const sweeping = kit.sweeps.running();
      const sweepPart = sweeping
        ? html`<p class="notice" role="status"><a href="${basePath}/retention/sweep">${m.sweepRunning}</a></p>`
        : html`<form class="box" method="post" action="${basePath}/retention/sweep">${csrfInput(kit)}
<button type="submit" class="danger">${m.runSweep}</button></form>`;
      if (!run.done) {
        return {
          kind: 'page',
          section: 'retention',
          title: m.retention,
          body: html`<p class="notice" role="status" data-plan="running">${m.planRunning}</p>
<dl><dt>${m.when}</dt><dd>${instant(run.startedAt)}</dd></dl>
<p><a href="${basePath}/retention">${m.checkAgain}</a></p>
${sweepPart}`,
        };
      }
      const recompute = html`<form class="box" method="post" action="${basePath}/retention/plan">${csrfInput(kit)}
<button type="submit">${m.recomputePlan}</button></form>`;
      const plan = run.result;
      if (run.failed || !plan) {
        return {
          kind: 'page',
          section: 'retention',
          title: m.retention,
          body: html`<p class="error" role="alert" data-plan="failed" data-code="${run.failed ?? 'FAILED'}">${m.planFailed}</p>
${recompute}`,
        };
      }
      const due = Object.entries(plan.due).map(
        ([purpose, d]) => html`<tr><td>${purpose}</td><td>${d.action}</td><td>${d.count}</td></tr>`,
      );
      const held = Object.entries(plan.held).map(
        ([reason, count]) => html`<tr><td>${reason}</td><td>${count}</td></tr>`,
      );
      const body = html`<p>${m.planHelp}</p>
<dl data-plan="done"><dt>${m.when}</dt><dd>${instant(plan.now)}</dd><dt>${m.scanned}</dt><dd>${plan.scanned}</dd></dl>
<h2>${m.due}</h2>
${table([m.purpose, m.action, m.count], due, m.none)}
<h2>${m.held}</h2>
${table([m.reason, m.count], held, m.none)}
${recompute}
${sweepPart}`;
      return { kind: 'page', section: 'retention', title: m.retention, body };
    },
  },
  {
    method: 'POST',
    pattern: /^\/retention\/plan$/,
    action: 'view',
    async handle(kit) {
      if (!kit.plans.running()) {
        kit.plans.clear();
        kit.plans.start();
      }
      await kit.plans.settled(PLAN_WAIT_MS);
      return { kind: 'redirect', location: `${kit.basePath}/retention` };
    },
  },
  {
    method: 'POST',
    pattern: /^\/retention\/sweep$/,
    action: 'sweep',
    async handle(kit) {
      if (!kit.sweeps.running()) {
        // Audited before it starts: who started a sweep is on record even if it fails.
        await kit.audit('sweep', { started: kit.now().toISOString() });
        kit.sweeps.start();
        // The plan shown before the sweep is out of date once it has run.
        kit.plans.clear();
      }
      // A small store's sweep ends within the second: its report shows at once; a big
      // one's progress page shows the counts so far and a link to check again.
      await kit.sweeps.settled(1_000);
      return { kind: 'redirect', location: `${kit.basePath}/retention/sweep` };
    },
  },
  {
    method: 'GET',
    pattern: /^\/retention\/sweep$/,
    action: 'view',
    async handle(kit) {
      const { m, basePath } = kit;
      const run = kit.sweeps.current();
      const back = html`<p><a href="${basePath}/retention">${m.retention}</a></p>`;
      if (!run) {
        return {
          kind: 'page',
          section: 'retention',
          title: m.retention,
          body: html`<p>${m.noSweep}</p>${back}`,
        };
      }
      const r = run.result;
      const counts = html`<dl>
<dt>${m.when}</dt><dd>${instant(run.startedAt)}</dd>
<dt>${m.scanned}</dt><dd>${r?.scanned ?? 0}</dd>
<dt>${m.deleted}</dt><dd>${r?.deleted ?? 0}</dd>
<dt>${m.anonymised}</dt><dd>${r?.anonymised ?? 0}</dd>
<dt>${m.archived}</dt><dd>${r?.archived ?? 0}</dd>
<dt>${m.failed}</dt><dd>${r?.failed ?? 0}</dd>
<dt>${m.batches}</dt><dd>${r?.batches ?? 0}</dd>
</dl>`;
      const status = !run.done
        ? html`<p class="notice" role="status" data-sweep="running">${m.sweepRunning}</p>
<p><a href="${basePath}/retention/sweep">${m.checkAgain}</a></p>`
        : run.failed
          ? html`<p class="error" role="alert" data-sweep="failed" data-code="${run.failed}">${m.sweepFailed}</p>`
          : html`<p class="notice" role="status" data-sweep="done">${m.sweepDone}</p>`;
      // Finished: the plan is recomputed on the next visit of the retention page.
      if (run.done) kit.plans.clear();
      return {
        kind: 'page',
        section: 'retention',
        title: m.retention,
        body: html`${status}${counts}${back}`,
      };
    },
  },
];

// ---------------------------------------------------------------- records

const RECORD_FORMATS = {
  json: 'application/json',
  md: 'text/markdown',
  html: 'text/html',
} as const;

export const recordPages: ConsoleRoute[] = [
  {
    method: 'GET',
    pattern: /^\/records\/?$/,
    action: 'view',
    async handle(kit) {
      const { m, basePath, gdpr } = kit;
      const records = gdpr.records.processingActivities();
      const activities = records.activities.map(
        (a) =>
          html`<tr><td>${a.purpose} <span class="mono">(${a.purposeId})</span></td><td>${a.lawfulBasis}</td><td>${a.dataSubjectCategories.join(', ')}</td><td>${a.personalDataCategories.join(', ')}</td><td>${a.recipients.join(', ')}</td></tr>`,
      );
      const processors = gdpr.records
        .processors()
        .map(
          (p) =>
            html`<tr><td>${p.name}</td><td>${p.role}</td><td>${p.country}${p.thirdCountry ? ` (${m.thirdCountry})` : ''}</td><td>${p.transferSafeguard ?? ''}</td></tr>`,
        );
      const downloads = (['processing-activities', 'privacy-notice'] as const).flatMap((doc) =>
        (Object.keys(RECORD_FORMATS) as (keyof typeof RECORD_FORMATS)[]).map(
          (format) =>
            html`<li><a href="${basePath}/records/${doc}.${format}" download>${doc}.${format}</a></li>`,
        ),
      );
      const body = html`<h2>${m.processing}</h2>
${table([m.purpose, m.lawfulBasis, m.subjectCategories, m.data, m.recipients], activities, m.none)}
<h2>${m.processors}</h2>
${table([m.name, m.role, m.country, m.safeguard], processors, m.none)}
<h2>${m.download}</h2>
<ul>${downloads}</ul>`;
      return { kind: 'page', section: 'records', title: m.records, body };
    },
  },
  {
    method: 'GET',
    pattern: /^\/records\/(processing-activities|privacy-notice)\.(json|md|html)$/,
    action: 'view',
    async handle(kit, [doc, format]) {
      const type = RECORD_FORMATS[format as keyof typeof RECORD_FORMATS];
      const rendered = kit.gdpr.records.render(
        doc as 'processing-activities' | 'privacy-notice',
        format === 'md' ? 'markdown' : (format as 'json' | 'html'),
      );
      return {
        kind: 'file',
        contentType: `${type}; charset=utf-8`,
        filename: `${doc}.${format}`,
        body: rendered,
      };
    },
  },
];

// ---------------------------------------------------------------- audit

export const auditPages: ConsoleRoute[] = [
  {
    method: 'GET',
    pattern: /^\/audit\/?$/,
    action: 'view',
    async handle(kit) {
      const { m, basePath } = kit;
      return {
        kind: 'page',
        section: 'audit',
        title: m.audit,
        body: html`<form class="box" method="post" action="${basePath}/audit/verify">${csrfInput(kit)}
<button type="submit">${m.verify}</button></form>`,
      };
    },
  },
  {
    method: 'POST',
    pattern: /^\/audit\/verify$/,
    action: 'view',
    async handle(kit) {
      const { m, basePath } = kit;
      const result = await kit.gdpr.audit.verify();
      await kit.audit('audit.verify', { ok: result.ok, checked: result.checked });
      const body = result.ok
        ? html`<p class="ok" role="status" data-chain="ok">${m.auditOk(result.checked)}</p>`
        : html`<p class="error" role="alert" data-chain="broken" data-seq="${result.seq}">${m.auditBroken(result.seq, result.reason)}</p>`;
      return {
        kind: 'page',
        section: 'audit',
        title: m.audit,
        body: html`${body}<form class="box" method="post" action="${basePath}/audit/verify">${csrfInput(kit)}
<button type="submit">${m.verify}</button></form>`,
      };
    },
  },
];
