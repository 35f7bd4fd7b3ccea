import { describe, expect, it } from 'vitest';
import { fillPlaceholders, renderButtonMail } from './button-mail.js';

describe('fillPlaceholders', () => {
  it('fills each placeholder once: a value holding {…} is written as it is, unknown names stay', () => {
    expect(
      fillPlaceholders('{controller} by {due}: {reason} {nobody} {constructor}', {
        controller: 'Shop {due}',
        due: '1 June',
        reason: 'see {controller}',
      }),
    ).toBe('Shop {due} by 1 June: see {controller} {nobody} {constructor}');
  });
});

describe('renderButtonMail', () => {
  it('renders no button without an action and a link (a notice)', () => {
    const base = {
      locale: 'en',
      subject: 'S',
      intro: 'I',
      items: [],
      notes: ['N'],
      controllerName: 'Acme',
    };
    const notice = renderButtonMail(base);
    expect(notice.html).not.toContain('<a href');
    expect(notice.text).toBe('I\n\nN\n\nAcme');
    const withButton = renderButtonMail({ ...base, action: 'Go', url: 'https://acme.test/x' });
    expect(withButton.text).toContain('Go:\nhttps://acme.test/x');
    expect(withButton.html).toContain('<a href="https://acme.test/x"');
  });
});
