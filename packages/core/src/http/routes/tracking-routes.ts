import type { GdprHttpRequest, GdprHttpResponse, GdprRoute } from './gdpr-http-types.js';
import type { RouteContext } from './route-context.js';
import { PATH_PROBLEMS } from './route-doc.js';

// A transparent 1×1 GIF: what every pixel answers, counted or not, so the
// answer says nothing about the person's choices.
const PIXEL = Uint8Array.from(
  Buffer.from('R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7', 'base64'),
);

function pixelResponse(): GdprHttpResponse {
  return {
    status: 200,
    headers: { 'content-type': 'image/gif', 'cache-control': 'no-store, private' },
    body: PIXEL,
  };
}

const pixelName = (request: GdprHttpRequest) => (request.params.file ?? '').replace(/\.gif$/, '');

/**
 * Tracking pixels (`tracking.path`): a personal open is counted only while the
 * person consents to tracking at the moment of the hit (REQ-30) and the hit
 * carries no DNT / Sec-GPC (REQ-15); the campaign pixel counts no person.
 * Failures are reported, never shown: the answer is always the same GIF.
 */
export function trackingRoutes(ctx: RouteContext): GdprRoute[] {
  const { gdpr, config, options, paths } = ctx;

  async function personalPixel(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    try {
      const hit = await gdpr.tracking.open(pixelName(request), ctx.signals(request));
      if (hit.counted && hit.subjectId)
        await options.tracking?.onOpen?.({ subjectId: hit.subjectId });
    } catch (error) {
      options.onError?.(error, request);
    }
    return pixelResponse();
  }

  async function campaignPixel(request: GdprHttpRequest): Promise<GdprHttpResponse> {
    const campaignId = pixelName(request);
    if (config.tracking.mode === 'aggregate' && /^[A-Za-z0-9_-]{1,128}$/.test(campaignId)) {
      try {
        await options.tracking?.onAggregateOpen?.(campaignId);
      } catch (error) {
        options.onError?.(error, request);
      }
    }
    return pixelResponse();
  }

  const pixel = {
    kind: 'gif',
    description: 'A 1x1 transparent GIF, the same for every hit',
  } as const;
  return [
    {
      name: 'personalPixel',
      method: 'GET',
      path: `${paths.tracking}/o/:file`,
      doc: {
        summary: 'Personal open pixel: counted only while the person consents to tracking (REQ-30)',
        description:
          '`{file}` is `<token>.gif`. A hit with `DNT: 1` or `Sec-GPC: 1` is not counted. Failures are reported to `onError`, never shown: every hit gets the same GIF.',
        tag: 'tracking',
        answers: { 200: pixel },
        problems: PATH_PROBLEMS,
      },
      handle: personalPixel,
    },
    {
      name: 'campaignPixel',
      method: 'GET',
      path: `${paths.tracking}/c/:file`,
      doc: {
        summary: 'Aggregate campaign pixel: no person',
        description: '`{file}` is `<campaignId>.gif`.',
        tag: 'tracking',
        answers: { 200: pixel },
        problems: PATH_PROBLEMS,
      },
      handle: campaignPixel,
    },
  ];
}
