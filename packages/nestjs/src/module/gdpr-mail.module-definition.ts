import { ConfigurableModuleBuilder } from '@nestjs/common';
import { GDPR_MAIL_OPTIONS } from '../tokens.js';
import type { GdprMailModuleOptions } from './gdpr-mail-options.js';

export interface GdprMailModuleExtras {
  /** Make `GdprMailService` and the guard's dependencies visible to every module. */
  isGlobal?: boolean;
}

export const {
  ConfigurableModuleClass: GdprMailConfigurableModule,
  OPTIONS_TYPE: GDPR_MAIL_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: GDPR_MAIL_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<GdprMailModuleOptions>({
  moduleName: 'GdprMail',
  optionsInjectionToken: GDPR_MAIL_OPTIONS,
})
  .setClassMethodName('forRoot')
  .setFactoryMethodName('createGdprMailOptions')
  .setExtras<GdprMailModuleExtras>({ isGlobal: false }, (definition, extras) => ({
    ...definition,
    global: extras.isGlobal ?? false,
  }))
  .build();

/** What `GdprMailModule.forRoot()` takes: the options plus `isGlobal`. */
export type GdprMailModuleForRootOptions = typeof GDPR_MAIL_MODULE_OPTIONS_TYPE;
/** What `GdprMailModule.forRootAsync()` takes: `useFactory` / `useClass` / `useExisting`, `imports`, `inject`, `isGlobal`. */
export type GdprMailModuleAsyncOptions = typeof GDPR_MAIL_MODULE_ASYNC_OPTIONS_TYPE;
