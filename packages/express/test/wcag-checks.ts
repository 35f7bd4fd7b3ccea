import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';

// The European Accessibility Act bar for the pages people reach from a mail and for the
// staff console: EN 301 549, i.e. WCAG 2.1 levels A and AA. axe-core checks what a rule
// engine can; the rest (keyboard, focus, language, reflow, titles, errors tied to their
// field, motion) is checked here by driving the page as a person would.

/** The axe-core rule tags of WCAG 2.0 and 2.1, levels A and AA. */
export const WCAG_21_AA_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] as const;

export interface WcagExpectations {
  /** The `lang` the page must declare: the locale it was served in. */
  lang: string;
  /** A field the page's error message belongs to: it must be marked invalid and described by it. */
  invalidField?: string;
}

const describe = (v: { id: string; impact?: string | null; nodes: { target: unknown[] }[] }) =>
  `${v.id} (${v.impact ?? 'n/a'}) x${v.nodes.length}: ${v.nodes
    .slice(0, 3)
    .map((n) => n.target.join(' '))
    .join(', ')}`;

/**
 * axe-core on the page, WCAG 2.1 A/AA rules only: every violation whatever its impact,
 * and what axe could not decide (`incomplete`, e.g. a colour over an image), to review.
 */
export async function axeFindings(page: Page): Promise<{ violations: string[]; review: string[] }> {
  const results = await new AxeBuilder({ page }).withTags([...WCAG_21_AA_TAGS]).analyze();
  return {
    violations: results.violations.map(describe),
    review: results.incomplete.map(describe),
  };
}

/** What the page says about itself, read in the page (the tests are typed without the DOM). */
interface PageFacts {
  lang: string;
  title: string;
  h1: string[];
  headingLevels: number[];
  animated: string[];
  invalid?: { ariaInvalid: string | null; describedBy: string[]; errorIds: string[] };
}

const READ_FACTS = `(invalidField) => {
  const headings = [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')];
  const animated = [...document.querySelectorAll('*')]
    .filter((el) => {
      const s = getComputedStyle(el);
      const moving = (list) => list.split(',').some((d) => parseFloat(d) > 0);
      return (s.animationName !== 'none' && moving(s.animationDuration)) || moving(s.transitionDuration);
    })
    .map((el) => el.tagName.toLowerCase());
  let invalid;
  if (invalidField) {
    const field = document.querySelector(invalidField);
    invalid = {
      ariaInvalid: field ? field.getAttribute('aria-invalid') : null,
      describedBy: ((field && field.getAttribute('aria-describedby')) || '').split(/\\s+/).filter(Boolean),
      errorIds: [...document.querySelectorAll('[role=alert][id]')].map((e) => e.id),
    };
  }
  return {
    lang: document.documentElement.getAttribute('lang') || '',
    title: document.title.trim(),
    h1: [...document.querySelectorAll('h1')].map((h) => h.textContent.trim()),
    headingLevels: headings.map((h) => Number(h.tagName.slice(1))),
    animated,
    invalid,
  };
}`;

/** Language, title, headings, errors tied to their field, and no motion (WCAG 3.1.1, 2.4.2, 1.3.1, 3.3.1, 2.3.3). */
export async function pageFacts(page: Page, expected: WcagExpectations): Promise<string[]> {
  const facts = await page.evaluate<PageFacts>(
    `(${READ_FACTS})(${JSON.stringify(expected.invalidField ?? null)})`,
  );
  const problems: string[] = [];
  if (facts.lang !== expected.lang)
    problems.push(`lang is "${facts.lang}", not "${expected.lang}"`);
  if (!facts.title) problems.push('no <title>');
  if (facts.h1.length !== 1) problems.push(`${facts.h1.length} h1 elements`);
  else if (!facts.title.includes(facts.h1[0]!)) {
    problems.push(`title "${facts.title}" does not name the page ("${facts.h1[0]}")`);
  }
  facts.headingLevels.forEach((level, i) => {
    const before = i === 0 ? 0 : facts.headingLevels[i - 1]!;
    if (level > before + 1) problems.push(`heading h${level} follows h${before}`);
  });
  if (facts.animated.length > 0) {
    problems.push(`animated or transitioned: ${[...new Set(facts.animated)].join(', ')}`);
  }
  if (expected.invalidField) {
    const invalid = facts.invalid!;
    if (invalid.ariaInvalid !== 'true') {
      problems.push(`${expected.invalidField} is not aria-invalid="true"`);
    }
    if (!invalid.describedBy.some((id) => invalid.errorIds.includes(id))) {
      problems.push(`${expected.invalidField} is not described by the error message`);
    }
  }
  return problems;
}

interface Stop {
  /** `n:tag#id[name=value]` (n: its place in TAB_STOPS), or `body` once focus left the controls. */
  key: string;
  /** Whether something shows where the focus is: an outline or a box shadow. */
  visible: boolean;
  /**
   * The contrast of a solid focus outline with what is just around the control (WCAG
   * 1.4.11 asks 3:1); undefined for the browser's own `auto` ring and for box shadows.
   */
  ringContrast?: number;
  /** Whether the focused control is on screen (not scrolled or positioned away). */
  onScreen: boolean;
}

const DESCRIBE_ACTIVE = `() => {
  const el = document.activeElement;
  if (!el || el === document.body) return { key: 'body', visible: true, onScreen: true };
  const s = getComputedStyle(el);
  const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
  const shadow = s.boxShadow && s.boxShadow !== 'none';
  const r = el.getBoundingClientRect();
  const onScreen = r.right > 0 && r.bottom > 0 && r.left < innerWidth && r.top < innerHeight && r.width > 0 && r.height > 0;
  const rgb = (c) => {
    const m = /rgba?\\(([^)]+)\\)/.exec(c);
    if (!m) return undefined;
    const [r, g, b, a = 1] = m[1].split(/[\\s,/]+/).filter(Boolean).map(Number);
    return { r, g, b, a };
  };
  const luminance = ({ r, g, b }) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let ringContrast;
  if (outline && s.outlineStyle !== 'auto') {
    // What shows just outside the control, where the ring is drawn: the first element under
    // that point which is not the control, and the first opaque background up from it.
    const y = Math.min(Math.max(r.top + r.height / 2, 0), innerHeight - 1);
    const x = r.left >= 2 ? r.left - 1 : r.right + 1;
    let under = document.elementsFromPoint(x, y).find((e) => e !== el && !el.contains(e));
    let background = { r: 255, g: 255, b: 255, a: 1 };
    for (; under; under = under.parentElement) {
      const c = rgb(getComputedStyle(under).backgroundColor);
      if (c && c.a > 0) { background = c; break; }
    }
    const ring = rgb(s.outlineColor);
    if (ring) {
      const [hi, lo] = [luminance(ring), luminance(background)].sort((a, b) => b - a);
      ringContrast = Math.round(((hi + 0.05) / (lo + 0.05)) * 100) / 100;
    }
  }
  const name = el.getAttribute('name');
  const value = el.getAttribute('value');
  return {
    key: (el.dataset.wcagStop ? el.dataset.wcagStop + ':' : '') + el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (name ? '[name=' + name + ']' : '') + (value && el.type !== 'text' && el.type !== 'email' ? '[value=' + value + ']' : '') + (el.tagName === 'A' ? '[href=' + el.getAttribute('href') + ']' : ''),
    visible: Boolean(outline || shadow),
    onScreen,
    ringContrast,
  };
}`;

/**
 * The controls Tab should reach, in document order (one stop per radio group, at its
 * checked radio), each numbered in a `data-wcag-stop` attribute so that two alike
 * (two buttons) are told apart.
 */
const TAB_STOPS = `() => {
  const seenGroups = new Set();
  const all = [...document.querySelectorAll('a[href],button,input,select,textarea,[tabindex]')];
  const stops = [];
  for (const el of all) {
    if (el.disabled || el.tabIndex < 0 || el.type === 'hidden' || el.getClientRects().length === 0) continue;
    if (el.type === 'radio') {
      if (seenGroups.has(el.name)) continue;
      const group = all.filter((r) => r.type === 'radio' && r.name === el.name);
      const checked = group.find((r) => r.checked) || group[0];
      seenGroups.add(el.name);
      stops.push(checked);
      continue;
    }
    stops.push(el);
  }
  return stops.map((el, i) => {
    el.dataset.wcagStop = String(i);
    const name = el.getAttribute('name');
    const value = el.getAttribute('value');
    return i + ':' + el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (name ? '[name=' + name + ']' : '') + (value && el.type !== 'text' && el.type !== 'email' ? '[value=' + value + ']' : '') + (el.tagName === 'A' ? '[href=' + el.getAttribute('href') + ']' : '');
  });
}`;

/** Sentinels put before and after the page's content: where the walk starts and must arrive. */
const ADD_SENTINELS = `(() => {
  for (const [id, where] of [['wcag-start', 'afterbegin'], ['wcag-end', 'beforeend']]) {
    const el = document.createElement('span');
    el.id = id;
    el.tabIndex = 0;
    el.textContent = id;
    document.body.insertAdjacentElement(where, el);
  }
})()`;
const REMOVE_SENTINELS = `(() => {
  for (const id of ['wcag-start', 'wcag-end']) document.getElementById(id)?.remove();
  for (const el of document.querySelectorAll('[data-wcag-stop]')) delete el.dataset.wcagStop;
})()`;

/**
 * Tabs (or Shift+Tabs) from one sentinel until the other, and returns the stops in
 * between, a control with inner fields (a date and time input) counted once.
 */
async function walkBetween(page: Page, from: string, key: 'Tab' | 'Shift+Tab', max: number) {
  await page.focus(`#${from}`);
  const stops: Stop[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(key);
    const stop = await page.evaluate<Stop>(`(${DESCRIBE_ACTIVE})()`);
    if (stop.key.startsWith('span#wcag-')) return { stops, arrived: stop.key };
    const last = stops.at(-1);
    if (last?.key !== stop.key) stops.push(stop);
    else {
      // One more field of the same control (a date's day, month, year): the worst one counts.
      if (!stop.visible) last.visible = false;
      if (stop.ringContrast !== undefined) {
        last.ringContrast = Math.min(last.ringContrast ?? Infinity, stop.ringContrast);
      }
    }
  }
  return { stops, arrived: stops.at(-1)?.key ?? 'nothing' };
}

/**
 * Keyboard only (WCAG 2.1.1, 2.1.2, 2.4.3, 2.4.7, 1.4.11): Tab reaches every control in
 * document order, each on screen with a visible focus indicator whose ring stands out
 * 3:1 from what is around it, and goes on past the last one (no trap); Shift+Tab walks
 * the same stops back to the top.
 */
export async function keyboardWalk(page: Page): Promise<string[]> {
  const expected = await page.evaluate<string[]>(`(${TAB_STOPS})()`);
  const problems: string[] = [];
  await page.evaluate(ADD_SENTINELS);
  const max = expected.length * 10 + 5;
  const forward = await walkBetween(page, 'wcag-start', 'Tab', max);
  const order = forward.stops.map((s) => s.key);
  if (JSON.stringify(order) !== JSON.stringify(expected)) {
    problems.push(`Tab order ${JSON.stringify(order)} is not ${JSON.stringify(expected)}`);
  }
  if (forward.arrived !== 'span#wcag-end') problems.push(`Tab stops at ${forward.arrived}`);
  for (const stop of forward.stops) {
    if (!stop.visible) problems.push(`no visible focus on ${stop.key}`);
    if (!stop.onScreen) problems.push(`focused ${stop.key} is off screen`);
    if (stop.ringContrast !== undefined && stop.ringContrast < 3) {
      problems.push(`focus ring of ${stop.key} has ${stop.ringContrast}:1 contrast (3:1 needed)`);
    }
  }
  const backward = await walkBetween(page, 'wcag-end', 'Shift+Tab', max);
  const back = backward.stops.map((s) => s.key);
  if (JSON.stringify(back) !== JSON.stringify([...expected].reverse())) {
    problems.push(`Shift+Tab order ${JSON.stringify(back)} is not the Tab order reversed`);
  }
  if (backward.arrived !== 'span#wcag-start')
    problems.push(`Shift+Tab stops at ${backward.arrived}`);
  await page.evaluate(REMOVE_SENTINELS);
  await page.evaluate('(() => { document.activeElement?.blur(); window.scrollTo(0, 0); })()');
  return problems;
}

/**
 * Reflow and resize (WCAG 1.4.10, 1.4.4): at 320 CSS px (1280 px at 400 %) and
 * 640 CSS px (200 %), nothing but a data table's own scroll box scrolls sideways;
 * with WCAG 1.4.12's text spacing applied, still nothing does.
 */
export async function reflow(page: Page): Promise<string[]> {
  const problems: string[] = [];
  const original = page.viewportSize() ?? { width: 1280, height: 800 };
  const overflow = () =>
    page.evaluate<number>(
      'document.documentElement.scrollWidth - document.documentElement.clientWidth',
    );
  for (const width of [320, 640]) {
    await page.setViewportSize({ width, height: 640 });
    const wider = await overflow();
    if (wider > 0) problems.push(`${wider}px wider than a ${width}px screen`);
  }
  await page.setViewportSize({ width: 320, height: 640 });
  // WCAG 1.4.12 text spacing, as the bookmarklets apply it; a <style> element is what the
  // pages' CSP allows (inline styles, no scripts), and what a user stylesheet would do.
  const spacing = await page.addStyleTag({
    content:
      '*{line-height:1.5!important;letter-spacing:.12em!important;word-spacing:.16em!important}p{margin-bottom:2em!important}',
  });
  const spaced = await overflow();
  if (spaced > 0) problems.push(`${spaced}px wider than a 320px screen with WCAG text spacing`);
  await spacing.evaluate('(el) => el.remove()');
  await page.setViewportSize(original);
  return problems;
}

/**
 * Every check on the page the browser shows now: `problems` fail the bar (each prefixed
 * with the page's name); `review` is what axe-core left to a person.
 */
export async function wcagAudit(
  page: Page,
  name: string,
  expected: WcagExpectations,
): Promise<{ problems: string[]; review: string[] }> {
  const axe = await axeFindings(page);
  const problems = [
    ...axe.violations.map((v) => `axe ${v}`),
    ...(await pageFacts(page, expected)),
    ...(await keyboardWalk(page)),
    ...(await reflow(page)),
  ];
  return { problems: problems.map((p) => `${name}: ${p}`), review: axe.review };
}
