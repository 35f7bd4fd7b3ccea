import type { GdprMailConfig } from '@gdpr-mail/core';

/**
 * The demo shop's gdpr-mail config. The secrets default to demo values so a
 * newcomer can start at once; a real app reads them from its secret store.
 */
export function exampleConfig(baseUrl: string): GdprMailConfig {
  return {
    controller: { name: 'Acme Garden SAS', email: 'privacy@acme-garden.example', country: 'FR' },
    secrets: {
      pepper: process.env.GDPR_MAIL_PEPPER ?? 'example-pepper-change-me-0123456789abcdef',
      // Wraps each person's data key; rotate it (docs/security.md). `npx gdpr-mail keys create`.
      encryptionKeys: [
        {
          id: process.env.GDPR_MAIL_ENCRYPTION_KEY_ID ?? 'k1',
          secret:
            process.env.GDPR_MAIL_ENCRYPTION_KEY ??
            'example-encryption-key-change-me-0123456789abcdef',
        },
      ],
    },
    tokens: {
      keys: [
        {
          id: 'k1',
          secret: process.env.GDPR_MAIL_TOKEN_KEY ?? 'example-token-key-change-me-0123456789abcdef',
        },
      ],
    },
    // The shop's own privacy notice (served by the example at /privacy): the forms link it.
    links: { baseUrl, privacyUrl: new URL('/privacy', baseUrl).href },
    purposes: [
      {
        id: 'newsletter',
        title: 'Monthly garden newsletter',
        lawfulBasis: 'consent',
        notice: {
          version: '1.0',
          text: 'Acme Garden SAS emails you its monthly newsletter. You can withdraw your consent at any time with the link in every email.',
        },
        retention: { duration: 'P3Y', anchor: 'last-interaction', action: 'delete' },
      },
      {
        id: 'product-news',
        title: 'New products and seasonal offers',
        lawfulBasis: 'consent',
        notice: {
          version: '1.0',
          text: 'Acme Garden SAS emails you about new products and seasonal offers. You can withdraw your consent at any time.',
        },
        retention: { duration: 'P3Y', anchor: 'last-interaction', action: 'delete' },
      },
      {
        id: 'partners',
        title: 'Offers from our partner nurseries',
        lawfulBasis: 'consent',
        notice: {
          version: '1.0',
          text: 'Acme Garden SAS emails you offers from partner nurseries; your address is not shared with them. You can withdraw your consent at any time.',
        },
        retention: { duration: 'P2Y', anchor: 'collected', action: 'delete' },
      },
      {
        id: 'open-tracking',
        title: 'Measuring opens and clicks',
        kind: 'tracking',
        lawfulBasis: 'consent',
        notice: {
          version: '1.0',
          text: 'Acme Garden SAS measures whether you open and click its emails. You can withdraw your consent at any time.',
        },
        retention: { duration: 'P1Y', anchor: 'collected', action: 'delete' },
      },
    ],
  };
}
