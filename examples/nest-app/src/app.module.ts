import type { ConsoleAction } from '@gdpr-mail/console';
import type { GdprMail, GdprStore } from '@gdpr-mail/core';
import { createGdprOpenApi, html, layout } from '@gdpr-mail/core/http';
import { GdprMailModule, GdprMailService, RequireConsent } from '@gdpr-mail/nestjs';
import type { DynamicModule } from '@nestjs/common';
import { Controller, Get, Header, Inject, Module, UseFilters } from '@nestjs/common';
import { privacyPage } from '../../express-app/src/privacy-page.js';
import { exampleConfig } from './config.js';
import type { DevInbox } from './dev-inbox.js';
import { createDevInbox, DEV_INBOX, DevInboxController } from './dev-inbox.js';
import { MemberPageFilter } from './member-page.filter.js';
import { staffMay } from './staff-console.js';

export interface ExampleAppOptions {
  /** Where the browser reaches the gdpr-mail routes, e.g. `http://localhost:3000/gdpr`. */
  baseUrl: string;
  /** Default: the SDK's embedded default store (PGlite in ./.gdpr-mail). */
  store?: GdprStore;
}

function homePage(): string {
  return layout({
    locale: 'en',
    title: 'Acme Garden',
    body: html`<p>An ordinary Nest app with <code>GdprMailModule</code> mounted at <code>/gdpr</code>.</p>
<ol>
<li><a href="/gdpr/signup">Sign up to our emails</a> (tick the boxes you want).</li>
<li>Open the <a href="/dev/inbox">dev inbox</a> and the confirmation mail; confirm.</li>
<li>Read the <a href="/members/tips?as=you@example.com">subscribers' garden tips</a> (replace the address):
the page is guarded by <code>@RequireConsent('newsletter')</code>.</li>
<li>From the dev inbox, send yourself the newsletter: it carries the preference and unsubscribe links.</li>
<li><a href="/gdpr/dsar">Ask for your data, or its erasure</a>: the confirmation link arrives in the dev inbox.</li>
</ol>
<p><a href="/openapi.json">OpenAPI document of the gdpr-mail routes</a></p>
<p>Staff: the <a href="/admin/privacy">privacy console</a> (demo login).</p>`,
  });
}

/** The shop's own routes: a home page, and one page for newsletter subscribers only. */
@Controller()
export class ShopController {
  constructor(@Inject(GdprMailService) private readonly gdpr: GdprMail) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  home(): string {
    return homePage();
  }

  @Get('privacy')
  @Header('content-type', 'text/html; charset=utf-8')
  privacy(): string {
    return privacyPage();
  }

  @Get('openapi.json')
  openapi(): unknown {
    return createGdprOpenApi(this.gdpr.config);
  }

  @Get('members/tips')
  // Above @RequireConsent, so applied after it: Nest tries it before that decorator's JSON filter.
  @UseFilters(MemberPageFilter)
  @RequireConsent('newsletter')
  tips(): { tips: string[] } {
    return { tips: ['Mulch in June.', 'Water at dawn.'] };
  }
}

/** The demo shop: its own routes, the gdpr-mail module at /gdpr and a dev inbox. */
@Module({})
export class AppModule {
  static forExample(options: ExampleAppOptions): DynamicModule {
    const inbox = createDevInbox();
    // The `?as=` demo sign-in answers 200 or 403 for any address typed into a URL: anyone
    // could learn who is subscribed, and the address lands in access logs. Never in production.
    const demoSignIn = process.env.NODE_ENV !== 'production';
    return {
      module: AppModule,
      imports: [
        GdprMailModule.forRootAsync({
          isGlobal: true,
          useFactory: () => ({
            config: {
              ...exampleConfig(options.baseUrl),
              transport: inbox.transport,
              mailer: { from: { address: 'news@acme-garden.example', name: 'Acme Garden' } },
              ...(options.store ? { store: options.store } : {}),
              // Admin exports from the privacy console: the staff member's rights decide (SEED-08).
              dsar: {
                authorize: (actor: string, action: ConsoleAction) => staffMay(actor, action),
              },
            },
            routes: { onError: (error: unknown) => console.error(error) },
            // Demo only: "signed in" as ?as=<address>. A real app reads its session (request.user).
            resolveEmail: (req) =>
              demoSignIn && typeof req.query.as === 'string' ? req.query.as : undefined,
          }),
        }),
      ],
      // The dev inbox shows every mail (with its tokens): never in production.
      controllers:
        process.env.NODE_ENV === 'production'
          ? [ShopController]
          : [ShopController, DevInboxController],
      providers: [{ provide: DEV_INBOX, useValue: inbox satisfies DevInbox }],
    };
  }
}
