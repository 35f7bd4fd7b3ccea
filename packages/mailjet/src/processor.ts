import {
  GdprMailError,
  isEea,
  type ProcessorDescriptor,
  TRANSFER_SAFEGUARDS,
} from '@gdpr-mail/core';

/** Mailjet SAS, Paris: the data is processed in the EU (Mailjet's own statement). */
export const MAILJET_PROCESSOR: ProcessorDescriptor = {
  name: 'Mailjet SAS',
  role: 'email delivery',
  country: 'FR',
};

/**
 * The processor as declared for the record of processing. A country outside
 * the EEA needs a Chapter V safeguard, exactly as in the config (REQ-31).
 */
export function resolveProcessor(processor: ProcessorDescriptor | undefined): ProcessorDescriptor {
  const resolved = { ...(processor ?? MAILJET_PROCESSOR) };
  if (typeof resolved.name !== 'string' || resolved.name.trim() === '') {
    throw new GdprMailError('CONFIG_INVALID', 'processor.name is required.', {
      issues: [{ path: 'processor.name', message: 'is required' }],
    });
  }
  if (typeof resolved.country !== 'string' || !/^[A-Za-z]{2}$/.test(resolved.country)) {
    throw new GdprMailError(
      'CONFIG_INVALID',
      'processor.country must be an ISO 3166-1 alpha-2 code such as "FR".',
      { issues: [{ path: 'processor.country', message: 'must be a two-letter country code' }] },
    );
  }
  resolved.country = resolved.country.toUpperCase();
  if (
    resolved.transferSafeguard !== undefined &&
    !TRANSFER_SAFEGUARDS.includes(resolved.transferSafeguard)
  ) {
    throw new GdprMailError('CONFIG_INVALID', 'processor.transferSafeguard is not a known one.', {
      issues: [{ path: 'processor.transferSafeguard', message: 'unknown safeguard' }],
      details: { allowed: TRANSFER_SAFEGUARDS },
    });
  }
  if (!isEea(resolved.country) && resolved.transferSafeguard === undefined) {
    throw new GdprMailError(
      'CONFIG_INVALID',
      `The processor "${resolved.name}" is in ${resolved.country}, outside the EEA: declare its transferSafeguard (Chapter V GDPR).`,
      { issues: [{ path: 'processor.transferSafeguard', message: 'is required outside the EEA' }] },
    );
  }
  return resolved;
}
