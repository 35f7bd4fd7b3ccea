import { html } from '../html.js';
import type { ProblemDetails } from '../problem-details.js';
import { layout } from './layout.js';
import type { Locale, PageMessages } from './messages.js';
import { errorPageWords } from './messages.js';

export interface PageContext {
  locale: Locale;
  messages: PageMessages;
  privacyUrl?: string;
  /** Where "back to the website" leads: the way on from a page that ends a flow. */
  siteUrl?: string;
}

export interface PurposeView {
  id: string;
  title: string;
  noticeText: string;
  noticeVersion: string;
  checked?: boolean;
}

function page(ctx: PageContext, title: string, body: ReturnType<typeof html>): string {
  return layout({
    locale: ctx.locale,
    title,
    body,
    ...(ctx.privacyUrl
      ? { privacyUrl: ctx.privacyUrl, privacyLabel: ctx.messages.privacyLink }
      : {}),
  });
}

/** The exact notice text and its version, under the box or the item it belongs to. */
function notice(id: string, text: string, version: string | undefined, ctx: PageContext) {
  return html`<p class="notice" id="notice-${id}">${text}${version ? html` <small>(${ctx.messages.noticeVersion} ${version})</small>` : ''}</p>`;
}

/** One unticked checkbox per purpose, each with its exact notice text and version (REQ-02, 04). */
function purposeBoxes(purposes: readonly PurposeView[], ctx: PageContext) {
  return purposes.map(
    (
      p,
    ) => html`<label><input type="checkbox" name="purposes" aria-describedby="notice-${p.id}" value="${p.id}"${p.checked ? html` checked` : ''}> ${p.title}</label>
${notice(p.id, p.noticeText, p.noticeVersion, ctx)}
<input type="hidden" name="notice_${p.id}" value="${p.noticeVersion}">`,
  );
}

export interface SignupView extends PageContext {
  action: string;
  csrfField: string;
  /** A form sent back after a problem: ticked only where the person ticked (REQ-01). */
  purposes: readonly PurposeView[];
  /** What the person typed, when the form is sent back to them (escaped on output). */
  email?: string;
  /** Plain words on what to fix, shown above the form. */
  error?: string;
  /** The problem's stable code, kept out of sight (a `data-code` attribute) for support and tests. */
  errorCode?: string;
}

/** The id of the problem above a form sent back, which the field at fault points to. */
const FORM_ERROR_ID = 'form-error';

/** The problems that are one field's: the field is marked invalid and described by the words. */
const FIELD_OF_CODE: Readonly<Record<string, string>> = { INVALID_EMAIL: 'email' };

/** The problem above a form sent back: plain words, the code only as an attribute. */
export function formError(error: string | undefined, code?: string) {
  if (!error) return '';
  return html`<p class="error" role="alert" id="${FORM_ERROR_ID}"${code ? html` data-code="${code}"` : ''}>${error}</p>`;
}

/**
 * On the field a form's problem is about (WCAG 3.3.1, 4.1.2): `aria-invalid` and a
 * description pointing at the problem's words, so a screen reader reads them on the field.
 */
export function fieldError(field: string, error: string | undefined, code?: string) {
  return error && code && FIELD_OF_CODE[code] === field
    ? html` aria-invalid="true" aria-describedby="${FORM_ERROR_ID}"`
    : '';
}

/** Art. 13: the privacy notice is one click away wherever personal data is collected. */
export function privacyNoticeLink(ctx: PageContext) {
  return ctx.privacyUrl
    ? html`<p><a href="${ctx.privacyUrl}">${ctx.messages.privacyNoticeLink}</a></p>`
    : '';
}

export function signupPage(view: SignupView): string {
  const m = view.messages;
  return page(
    view,
    m.signupTitle,
    html`${formError(view.error, view.errorCode)}
<p>${m.signupIntro}</p>
<form method="post" action="${view.action}">
<input type="hidden" name="_csrf" value="${view.csrfField}">
<label for="email">${m.emailLabel}</label>
<input type="email" id="email" name="email" required autocomplete="email" value="${view.email ?? ''}"${fieldError('email', view.error, view.errorCode)}>
<fieldset>
<legend>${m.purposesLegend}</legend>
${purposeBoxes(view.purposes, view)}
</fieldset>
<p><small>${m.signupNoneRequired}</small></p>
${privacyNoticeLink(view)}
<button type="submit">${m.signupSubmit}</button>
</form>`,
  );
}

/** A link that leads on from a page that ends a flow ("back to the form", "back to the website"). */
export interface NextLink {
  href: string;
  label: string;
}

/** "Back to the website", where the app said where its website is. */
function backToSite(ctx: PageContext): NextLink | undefined {
  return ctx.siteUrl ? { href: ctx.siteUrl, label: ctx.messages.backToSite } : undefined;
}

function nextLink(on: NextLink | undefined) {
  return on ? html`<p class="next"><a href="${on.href}">${on.label}</a></p>` : '';
}

/** A page that ends a flow; it always leads on (to `next`, else back to the website). */
export function messagePage(
  ctx: PageContext,
  title: string,
  body: string,
  next?: NextLink,
): string {
  const on = next ?? backToSite(ctx);
  return page(
    ctx,
    title,
    html`<p role="status">${body}</p>
${nextLink(on)}`,
  );
}

export interface TokenFormView extends PageContext {
  action: string;
  token: string;
  /** Where consent is confirmed, each purpose comes with the notice text it is given to. */
  purposes: readonly {
    id?: string;
    title: string;
    noticeText?: string;
    noticeVersion?: string | undefined;
  }[];
}

/** The interstitial: a GET shows it and changes nothing; only its POST acts (REQ-12, REQ-18). */
function tokenForm(view: TokenFormView, title: string, intro: string, submit: string): string {
  return page(
    view,
    title,
    html`<p>${intro}</p>
<ul>${view.purposes.map(
      (p, i) =>
        html`<li>${p.title}${p.noticeText ? notice(p.id ?? String(i), p.noticeText, p.noticeVersion, view) : ''}</li>`,
    )}</ul>
<form method="post" action="${view.action}">
<input type="hidden" name="token" value="${view.token}">
<button type="submit">${submit}</button>
</form>`,
  );
}

export function confirmPage(view: TokenFormView): string {
  return tokenForm(
    view,
    view.messages.confirmTitle,
    view.messages.confirmBody,
    view.messages.confirmSubmit,
  );
}

export function unsubscribePage(view: TokenFormView): string {
  return tokenForm(
    view,
    view.messages.unsubscribeTitle,
    view.messages.unsubscribeBody,
    view.messages.unsubscribeSubmit,
  );
}

export interface PreferencesView extends PageContext {
  action: string;
  token: string;
  purposes: readonly PurposeView[];
  /** The tracking purpose: its box carries its notice text like every other purpose. */
  tracking?: { purposeId: string; checked: boolean; noticeText?: string; noticeVersion?: string };
  saved?: boolean;
}

/** The preference centre: per purpose, tracking consent, and "unsubscribe from all" (REQ-10, SEED-04). */
export function preferencesPage(view: PreferencesView): string {
  const m = view.messages;
  return page(
    view,
    m.preferencesTitle,
    html`${view.saved ? html`<p role="status">${m.preferencesSaved}</p>` : ''}
<p>${m.preferencesIntro}</p>
<form method="post" action="${view.action}">
<input type="hidden" name="token" value="${view.token}">
<fieldset>
<legend>${m.purposesLegend}</legend>
${purposeBoxes(view.purposes, view)}
${
  view.tracking
    ? html`<label><input type="checkbox" name="purposes"${view.tracking.noticeText ? html` aria-describedby="notice-${view.tracking.purposeId}"` : ''} value="${view.tracking.purposeId}"${view.tracking.checked ? html` checked` : ''}> ${m.trackingLabel}</label>
${view.tracking.noticeText ? notice(view.tracking.purposeId, view.tracking.noticeText, view.tracking.noticeVersion, view) : ''}`
    : ''
}
</fieldset>
<button type="submit" name="action" value="save">${m.preferencesSubmit}</button>
<button type="submit" name="action" value="unsubscribe-all">${m.unsubscribeAll}</button>
</form>`,
  );
}

/**
 * A problem a browser meets outside a form (a spent or cut link, a page that
 * does not exist): plain words on what happened and what to do, and a way on.
 * The stable code is kept for support and tests as an attribute, never shown.
 */
export function errorPage(ctx: PageContext, problem: ProblemDetails): string {
  const words = errorPageWords(ctx.messages, problem.code, problem.status);
  const on = backToSite(ctx);
  return page(
    ctx,
    words.title,
    html`<p class="error" role="alert" data-code="${problem.code}">${words.body}</p>
${nextLink(on)}`,
  );
}
