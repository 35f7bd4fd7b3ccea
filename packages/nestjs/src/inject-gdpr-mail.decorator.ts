import { Inject } from '@nestjs/common';
import { GDPR_MAIL } from './tokens.js';

/**
 * Injects the `GdprMail` object the module built (or was given), as
 * `@InjectQueue()` injects a queue: `constructor(@InjectGdprMail() private gdpr: GdprMail)`.
 */
export const InjectGdprMail = (): ParameterDecorator & PropertyDecorator => Inject(GDPR_MAIL);
