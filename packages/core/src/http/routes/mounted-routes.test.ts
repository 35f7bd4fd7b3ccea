import { describe, expect, it } from 'vitest';
import { testGdpr } from '../../testing/test-gdpr.js';
import { createGdprRoutes } from './create-gdpr-routes.js';
import { listMountedRoutes, resolveMountPath } from './mounted-routes.js';

describe('mount path and mounted routes', () => {
  it('mounts at the path of links.baseUrl unless given one, one leading slash, none trailing', () => {
    expect(resolveMountPath('https://shop.example/gdpr/')).toBe('/gdpr');
    expect(resolveMountPath('https://shop.example')).toBe('');
    expect(resolveMountPath('https://shop.example/gdpr', 'privacy//')).toBe('/privacy');
    expect(resolveMountPath('https://shop.example/gdpr', '/')).toBe('');
  });

  it('lists every route under the mount, the webhooks named webhook:<name>', async () => {
    const { gdpr } = testGdpr();
    const ses = { name: 'ses', handle: async () => ({ status: 200, body: '' }) };
    const routes = createGdprRoutes(gdpr, { webhooks: [ses] });
    const mounted = listMountedRoutes(routes, '/api/gdpr');
    expect(mounted).toContainEqual({
      name: 'webhook:ses',
      method: 'POST',
      path: '/api/gdpr/webhooks/ses',
    });
    expect(mounted).toHaveLength(routes.routes.length + 1);
    expect(mounted.every((route) => route.path.startsWith('/api/gdpr/'))).toBe(true);
    expect(listMountedRoutes(routes)[0]?.path.startsWith(`${routes.basePath}/`)).toBe(true);
    await gdpr.close();
  });
});
