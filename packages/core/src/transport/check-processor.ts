import { GdprMailError } from '../errors/gdpr-mail-error.js';
import { isEea, TRANSFER_SAFEGUARDS } from '../records/eea.js';
import type { ProcessorDescriptor } from './transport.js';

function invalid(path: string, message: string, details?: Record<string, unknown>): GdprMailError {
  return new GdprMailError('CONFIG_INVALID', message, {
    issues: [{ path, message }],
    ...(details === undefined ? {} : { details }),
  });
}

/**
 * A transport's processor as the record of processing takes it (Art. 30,
 * REQ-31): a name, a two-letter country (upper-cased), a known safeguard
 * where one is given, and one required outside the EEA (Chapter V), as the
 * config's `processors` are checked. Throws `CONFIG_INVALID`; returns a copy.
 * `defineTransport` runs it on every driver's processor.
 */
export function checkProcessor(processor: ProcessorDescriptor): ProcessorDescriptor {
  if (typeof processor !== 'object' || processor === null) {
    throw invalid('processor', 'A transport needs its processor for the record of processing.');
  }
  const checked = { ...processor };
  if (typeof checked.name !== 'string' || checked.name.trim() === '') {
    throw invalid('processor.name', 'processor.name is required.');
  }
  if (typeof checked.country !== 'string' || !/^[A-Za-z]{2}$/.test(checked.country)) {
    throw invalid(
      'processor.country',
      'processor.country must be an ISO 3166-1 alpha-2 code such as "FR".',
    );
  }
  checked.country = checked.country.toUpperCase();
  if (
    checked.transferSafeguard !== undefined &&
    !TRANSFER_SAFEGUARDS.includes(checked.transferSafeguard)
  ) {
    throw invalid(
      'processor.transferSafeguard',
      'processor.transferSafeguard is not a known one.',
      {
        allowed: TRANSFER_SAFEGUARDS,
      },
    );
  }
  if (!isEea(checked.country) && checked.transferSafeguard === undefined) {
    throw invalid(
      'processor.transferSafeguard',
      `The processor "${checked.name}" is in ${checked.country}, outside the EEA: declare its transferSafeguard (Chapter V GDPR).`,
    );
  }
  return checked;
}
