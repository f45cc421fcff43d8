import { describe, expect, it } from 'vitest';
import { directText, FIELD_ESCAPED, Interner } from '../../../lib/formats/bytes.js';
import { GroupScratch, groupPath } from '../../../lib/formats/path-group.js';

function grouped(path: string, flags = 0): string {
  const buf = Buffer.from(path);
  return groupPath(buf, 0, buf.length, flags, directText, new GroupScratch());
}

describe('groupPath', () => {
  it.each([
    ['/images/products/173035.webp', '/images/products/{id}.webp'],
    ['/static/js/app.673a4e3e.js', '/static/js/app.{id}.js'],
    ['/orders/5b2f0c8e-91d4-4a6b-b37e-0e4c2a9d1f58/items', '/orders/{id}/items'],
    ['/reports/2026-06-16', '/reports/{id}'],
    ['/blob/deadbeefcafe', '/blob/{id}'],
    ['/a_1/b-2/', '/{id}/{id}/'],
    ['/page/2', '/page/{id}'],
    ['/1/2/3', '/{id}/{id}/{id}'],
    ['12', '{id}'],
  ])('replaces the ids in %s', (path, expected) => {
    expect(grouped(path)).toBe(expected);
  });

  it.each([
    '/',
    '/api/v1/cart',
    '/wp-login.php',
    '/.env',
    '/static/css/main.css',
    '/face/cafe',
    '/user_name',
    '/a%20b/x1y',
    '//double//slash',
    '/trailing/',
  ])('leaves %s as it is (no part is only hex digits, - and _ with a digit or 8 hex digits)', (path) => {
    expect(grouped(path)).toBe(path);
  });

  it('groups the raw bytes, then decodes escapes: an escaped byte is never part of an id', () => {
    // Prepare: nginx writes a quote in a path as \x22
    const path = '/q\\x22/42';
    // Act
    const escaped = grouped(path, FIELD_ESCAPED);
    // Assess
    expect(escaped).toBe('/q"/{id}');
  });

  it('grows its scratch for a path whose ids make it longer, and returns the cached string for a repeat', () => {
    // Prepare: 300 one-byte ids become 1,200 bytes of `{id}`; an interner caches up to 256 bytes
    const long = '/7'.repeat(300);
    const cache = new Interner(64, 256);
    const scratch = new GroupScratch();
    const a = Buffer.from('/orders/1/items');
    const b = Buffer.from('/orders/22/items');
    // Act
    const fromLong = groupPath(Buffer.from(long), 0, long.length, 0, cache, scratch);
    const first = groupPath(a, 0, a.length, 0, cache, scratch);
    const second = groupPath(b, 0, b.length, 0, cache, scratch);
    // Assess
    expect(fromLong).toBe('/{id}'.repeat(300));
    expect(scratch.bytes.length).toBeGreaterThanOrEqual(1200);
    expect(first).toBe('/orders/{id}/items');
    expect(second).toBe(first);
  });

  it('reads only its slice of a larger buffer', () => {
    const buf = Buffer.from('GET /x/42?id=7 HTTP/1.1');
    expect(groupPath(buf, 4, 9, 0, directText, new GroupScratch())).toBe('/x/{id}');
  });
});
