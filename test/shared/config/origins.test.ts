import { describe, expect, it } from 'vitest';
import { isOriginAllowed, ORIGIN_PATTERN } from '../../../shared/config/origins';
import { siteConfigWithDefaults } from '../../../shared/config/site';

describe('site origins', () => {
  it('match exactly: scheme, host and port', () => {
    const origins = ['https://shop.example', 'http://localhost:3000'];
    expect(isOriginAllowed('https://shop.example', origins)).toBe(true);
    expect(isOriginAllowed('http://shop.example', origins)).toBe(false);
    expect(isOriginAllowed('https://shop.example:8443', origins)).toBe(false);
    expect(isOriginAllowed('http://localhost:3000', origins)).toBe(true);
    expect(isOriginAllowed('http://localhost:3001', origins)).toBe(false);
  });

  it('take any port of a host with :*', () => {
    const origins = ['http://localhost:*', 'http://[::1]:*'];
    for (const origin of ['http://localhost', 'http://localhost:5173', 'http://[::1]:8080'])
      expect(isOriginAllowed(origin, origins), origin).toBe(true);
    for (const origin of [
      'https://localhost:5173',
      'http://localhost.evil.example:80',
      'http://127.0.0.1:80',
    ])
      expect(isOriginAllowed(origin, origins), origin).toBe(false);
  });

  it('take any subdomain with *., never the bare domain nor a look-alike', () => {
    const origins = ['https://*.shop.example'];
    expect(isOriginAllowed('https://www.shop.example', origins)).toBe(true);
    expect(isOriginAllowed('https://eu.www.shop.example', origins)).toBe(true);
    expect(isOriginAllowed('https://shop.example', origins)).toBe(false);
    expect(isOriginAllowed('https://evilshop.example', origins)).toBe(false);
    expect(isOriginAllowed('https://www.shop.example.evil', origins)).toBe(false);
  });

  it('are validated in the site config with a clear message', () => {
    for (const entry of [
      'https://shop.example',
      'http://localhost:*',
      'https://*.shop.example',
      'http://[::1]:3000',
    ])
      expect(ORIGIN_PATTERN.test(entry), entry).toBe(true);
    for (const entry of ['shop.example', 'https://shop.example/', 'https://*', 'https://a.*.example'])
      expect(ORIGIN_PATTERN.test(entry), entry).toBe(false);
    expect(() => siteConfigWithDefaults({ site: 's', origins: ['https://shop.example/path'] })).toThrow(
      /origins are scheme:\/\/host\[:port\]/,
    );
  });
});
