import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config/parse-config.js';
import type { SubjectProfile, SubjectRecord } from '../store/store-types.js';
import { invoicesPurpose, testConfig } from '../testing/fixtures.js';
import { linkedPurposes } from './retention-decision.js';

const at = new Date('2026-01-10T12:00:00.000Z');

const purposes = parseConfig(
  testConfig({
    purposes: [...testConfig().purposes, invoicesPurpose],
  }),
).purposes;

function subject(profile: SubjectProfile): SubjectRecord {
  return {
    id: 's1',
    emailHash: 'h',
    email: 'a@example.org',
    createdAt: at,
    updatedAt: at,
    profile,
  };
}

function importedOn(basis: string): SubjectProfile {
  return {
    contact: { segments: ['L'], sources: [{ label: 'S', list: 'L', basis, importedAt: at }] },
  };
}

const linked = (profile: SubjectProfile) =>
  linkedPurposes(purposes, subject(profile), []).map((p) => p.id);

describe('linkedPurposes: what holds a person without a ledger event (REQ-27, SEED-05)', () => {
  it('a closed account or a customer record links the contract purposes, and a customer the soft-opt-in ones', () => {
    expect(linked({ accountClosedAt: at })).toEqual(['orders']);
    expect(linked({ accountOpenedAt: at })).toEqual(['orders']);
    expect(
      linked({ customer: { saleRef: 'A-1', categories: ['garden'], objectionOfferedAt: at } }),
    ).toEqual(['customer-offers', 'orders']);
  });

  it('an import links the purposes of its basis only when the ledger cannot: contract and legal-obligation', () => {
    expect(linked(importedOn('contract'))).toEqual(['orders']);
    expect(linked(importedOn('legal-obligation'))).toEqual(['invoices']);
    // Consentable bases link through their ledger or an open re-permission, never the source alone.
    expect(linked(importedOn('consent'))).toEqual([]);
    expect(linked(importedOn('soft-opt-in'))).toEqual([]);
  });

  it('a B2B record links no contract purpose', () => {
    expect(linked({ professional: { informedAt: at } })).toEqual(['b2b-prospecting']);
  });
});
