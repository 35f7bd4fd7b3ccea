import { describe, expect, it } from 'vitest';
import { isGdprMailError } from '../errors/gdpr-mail-error.js';
import { createGdprMail } from '../gdpr-mail.js';
import { testConfig } from '../testing/fixtures.js';

const processors = [
  { name: 'Mailjet', role: 'email delivery', country: 'FR', purposes: ['newsletter', 'partners'] },
  {
    name: 'Amazon SES',
    role: 'transactional email delivery',
    country: 'IE',
    region: 'eu-west-1',
    purposes: ['orders'],
  },
  {
    name: 'Helpdesk Inc.',
    role: 'support ticketing',
    country: 'US',
    transferSafeguard: 'standard-contractual-clauses' as const,
    documentation: 'https://acme.example/dpa/helpdesk',
  },
];

function gdpr() {
  return createGdprMail(
    testConfig({
      controller: {
        name: 'Acme SAS',
        email: 'privacy@acme.test',
        address: '1 rue de la Paix, 75002 Paris',
        country: 'FR',
        dpo: { name: 'Dana Protect', email: 'dpo@acme.test' },
      },
      processors,
      records: { supervisoryAuthority: { name: 'CNIL', url: 'https://www.cnil.fr' } },
      clock: () => new Date('2026-11-23T00:00:00.000Z'),
    }),
  );
}

describe('records of processing (REQ-31, SEED-09)', () => {
  it('gives every purpose a sheet with all seven Art. 30(1) fields', () => {
    const records = gdpr().records.processingActivities();
    expect(records.activities.map((a) => a.purposeId)).toEqual([
      'newsletter',
      'partners',
      'customer-offers',
      'b2b-prospecting',
      'orders',
    ]);
    for (const sheet of records.activities) {
      expect(sheet.controller.name).toBe('Acme SAS'); // (a)
      expect(sheet.dpo).toEqual({ name: 'Dana Protect', email: 'dpo@acme.test' }); // (a)
      expect(sheet.purpose.length).toBeGreaterThan(0); // (b)
      expect(sheet.lawfulBasis).toBeTruthy(); // (b)
      expect(sheet.dataSubjectCategories.length).toBeGreaterThan(0); // (c)
      expect(sheet.personalDataCategories.length).toBeGreaterThan(0); // (c)
      expect(Array.isArray(sheet.recipients)).toBe(true); // (d)
      expect(Array.isArray(sheet.transfers)).toBe(true); // (e)
      expect(sheet.retention.description).toMatch(/^Kept P\d+Y/); // (f)
      expect(sheet.securityMeasures.length).toBeGreaterThan(0); // (g)
    }
    const newsletter = records.activities[0]!;
    expect(newsletter.recipients).toEqual([
      'Mailjet (processor: email delivery)',
      'Helpdesk Inc. (processor: support ticketing)',
    ]);
    expect(newsletter.transfers).toEqual([
      {
        to: 'Helpdesk Inc.',
        country: 'US',
        safeguard: 'standard-contractual-clauses',
        documentation: 'https://acme.example/dpa/helpdesk',
      },
    ]);
    expect(
      records.activities.find((a) => a.purposeId === 'b2b-prospecting')?.legitimateInterest,
    ).toMatch(/professional/);
    expect(records.activities.find((a) => a.purposeId === 'orders')?.recipients[0]).toMatch(
      /Amazon SES/,
    );
  });

  it('SEED-11: a processor outside the EEA without a safeguard makes the config fail', () => {
    try {
      createGdprMail(
        testConfig({ processors: [{ name: 'CheapMail', role: 'email delivery', country: 'US' }] }),
      );
      expect.unreachable();
    } catch (error) {
      expect(isGdprMailError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(
        'processors.0.transferSafeguard',
      );
    }
  });

  it('refuses a processor bound to an undeclared purpose', () => {
    expect(() =>
      createGdprMail(
        testConfig({ processors: [{ name: 'X', role: 'r', country: 'FR', purposes: ['nope'] }] }),
      ),
    ).toThrow(/processors\.0\.purposes\.0/);
  });

  it('keeps the sub-processor register with name, role, country and safeguard', () => {
    expect(gdpr().records.processors()).toEqual([
      { name: 'Mailjet', role: 'email delivery', country: 'FR', thirdCountry: false },
      {
        name: 'Amazon SES',
        role: 'transactional email delivery',
        country: 'IE',
        region: 'eu-west-1',
        thirdCountry: false,
      },
      {
        name: 'Helpdesk Inc.',
        role: 'support ticketing',
        country: 'US',
        thirdCountry: true,
        transferSafeguard: 'standard-contractual-clauses',
        documentation: 'https://acme.example/dpa/helpdesk',
      },
    ]);
  });

  it('renders JSON, Markdown and escaped HTML', () => {
    const records = gdpr().records;
    const json = JSON.parse(records.render('processing-activities', 'json'));
    expect(json.activities).toHaveLength(5);
    const markdown = records.render('processing-activities', 'markdown');
    expect(markdown).toContain('## Monthly newsletter (`newsletter`)');
    expect(markdown).toContain('| (f) Time limits for erasure |');
    expect(markdown).toContain(
      '| Helpdesk Inc. | support ticketing | US |  | standard-contractual-clauses |',
    );

    const hostile = createGdprMail(
      testConfig({ processors: [{ name: '<script>alert(1)</script>', role: 'r', country: 'FR' }] }),
    ).records.render('processing-activities', 'html');
    expect(hostile).not.toContain('<script>');
    expect(hostile).toContain('&lt;script&gt;');
  });
});

describe('privacy notice facts (Art. 13)', () => {
  it('lists controller, DPO, purposes with bases, recipients, transfers, retention, rights and complaint', () => {
    const facts = gdpr().records.privacyNotice();
    expect(facts.controller.name).toBe('Acme SAS');
    expect(facts.dpo?.email).toBe('dpo@acme.test');
    expect(facts.purposes.find((p) => p.id === 'b2b-prospecting')?.legitimateInterest).toBeTruthy();
    expect(facts.transfers).toEqual([
      { to: 'Helpdesk Inc.', country: 'US', safeguard: 'standard-contractual-clauses' },
    ]);
    expect(facts.rights).toHaveLength(6);
    expect(facts.complaint).toContain('CNIL');
    expect(facts.withdrawal).toMatch(/withdrawn at any time/);
    const markdown = gdpr().records.render('privacy-notice', 'markdown');
    expect(markdown).toContain('# How Acme SAS uses your email address');
    expect(markdown).toContain('objection, absolute for direct marketing (Art. 21)');
  });
});

describe('privacy notice as HTML', () => {
  it('SEED-09: renders an HTML page with every configured string escaped', () => {
    const base = testConfig();
    const hostile = '<script>alert(1)</script>';
    const html = createGdprMail(
      testConfig({
        controller: {
          name: 'Acme SAS',
          email: 'privacy@acme.test',
          address: '<b>1 rue</b>',
          country: 'FR',
          dpo: { name: `Dana ${hostile}`, email: 'dpo@acme.test' },
        },
        processors: [
          {
            name: `Helpdesk ${hostile}`,
            role: 'support',
            country: 'US',
            transferSafeguard: 'standard-contractual-clauses',
          },
        ],
        records: { supervisoryAuthority: { name: `CNIL ${hostile}` } },
        purposes: base.purposes.map((p) =>
          p.id === 'newsletter' ? { ...p, title: `News ${hostile}`, recipients: [hostile] } : p,
        ),
      }),
    ).records.render('privacy-notice', 'html');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).not.toContain('<script>');
    expect(html).not.toContain('<b>1 rue');
    expect(html).toContain('<h1>How Acme SAS uses your email address</h1>');
    expect(html).toContain('&lt;b&gt;1 rue&lt;/b&gt;');
    expect(html).toContain('<strong>News &lt;script&gt;');
    expect(html).toContain('Dana &lt;script&gt;');
    expect(html).toContain('Helpdesk &lt;script&gt;');
    expect(html).toContain('CNIL &lt;script&gt;');
    expect(html).toContain('<li>objection, absolute for direct marketing (Art. 21)</li>');
    // Markdown stays Markdown: the HTML is its own rendering, not the Markdown renamed.
    expect(html).not.toContain('**Controller:**');
  });
});

describe('records match what the code does (docs/records.md)', () => {
  it('REQ-31: a legitimate-interest purpose without its interest is refused, as the guide says', () => {
    const config = testConfig();
    config.purposes = config.purposes.map((p) => {
      if (p.lawfulBasis !== 'legitimate-interest') return p;
      const { legitimateInterest: _, ...rest } = p;
      return rest;
    });
    try {
      createGdprMail(config);
      expect.unreachable();
    } catch (error) {
      expect(isGdprMailError(error, 'CONFIG_INVALID')).toBe(true);
      expect((error as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain(
        'purposes.3.legitimateInterest',
      );
    }
  });

  it('SEED-05: an archive without archiveFor is recorded with the 12 months the sweep applies', () => {
    const config = testConfig();
    config.purposes = [
      ...config.purposes,
      {
        id: 'account',
        title: 'Customer account',
        kind: 'transactional',
        lawfulBasis: 'contract',
        notice: {
          version: '1',
          text: 'Acme SAS keeps your account while it is open; withdraw is not applicable.',
        },
        retention: { duration: 'P1D', anchor: 'account-closed', action: 'archive-then-delete' },
      },
    ];
    const activity = createGdprMail(config)
      .records.processingActivities()
      .activities.find((a) => a.purposeId === 'account');
    expect(activity?.retention).toMatchObject({
      action: 'archive-then-delete',
      archiveFor: 'P12M',
      description:
        'Kept P1D (ISO 8601) from the closure of the account, then archived for P12M and deleted for good.',
    });
  });

  it('render refuses a document or format it does not have (VALIDATION_FAILED)', () => {
    const records = gdpr().records;
    const render = records.render as (document: string, format: string) => string;
    for (const [document, format] of [
      ['processing-activities', 'pdf'],
      ['processing-activities', 'md'],
      ['privacy-policy', 'json'],
    ] as const) {
      try {
        render(document, format);
        expect.unreachable();
      } catch (error) {
        expect(isGdprMailError(error, 'VALIDATION_FAILED')).toBe(true);
      }
    }
    expect(records.render('privacy-notice', 'html')).toMatch(/^<!doctype html>/);
  });
});
