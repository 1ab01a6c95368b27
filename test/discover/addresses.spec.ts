import {
  addressesIn,
  aliasTargetName,
  effectivePort,
  looksLikeAddress,
  recordName,
  valueFormat,
} from '../../lib/discover/addresses';

describe('addresses in configuration values', () => {
  test.each<[string, object[]]>([
    ['orders.shop.local', [{ host: 'orders.shop.local' }]],
    ['Orders.Shop.Local.', [{ host: 'orders.shop.local' }]],
    ['http://api.shop.internal', [{ host: 'api.shop.internal', scheme: 'http' }]],
    ['http://api.shop.internal:8080/v1?x=1', [{ host: 'api.shop.internal', port: 8080, scheme: 'http' }]],
    [
      'jdbc:postgresql://app@db.shop.local:5432/orders',
      [{ host: 'db.shop.local', port: 5432, scheme: 'postgresql' }],
    ],
    ['redis://:secret@cache.shop.local:6379/0', [{ host: 'cache.shop.local', port: 6379, scheme: 'redis' }]],
    [
      'k1.shop.local:9092,k2.shop.local:9092',
      [
        { host: 'k1.shop.local', port: 9092 },
        { host: 'k2.shop.local', port: 9092 },
      ],
    ],
    ['info', []],
    ['1.2.3', [{ host: '1.2.3' }]],
  ])('%s', (value, expected) => {
    expect(addressesIn(value)).toEqual(expected);
  });

  test('a port from the scheme when the address has none', () => {
    expect(effectivePort({ host: 'a.b', scheme: 'http' })).toBe(80);
    expect(effectivePort({ host: 'a.b', scheme: 'https' })).toBe(443);
    expect(effectivePort({ host: 'a.b', port: 8080, scheme: 'http' })).toBe(8080);
    expect(effectivePort({ host: 'a.b' })).toBeUndefined();
  });

  test('lists as an address what has a scheme or a port, or is the whole value, and not a version or a file inside prose', () => {
    const check = (value: string) => addressesIn(value).map((a) => looksLikeAddress(a, value));
    expect(check('partner.example.com')).toEqual([true]);
    expect(check('https://o1.ingest.sentry.io/42')).toEqual([true]);
    expect(check('1.2.3')).toEqual([false]);
    expect(check('see logback.xml for details')).toEqual([false]);
  });

  test('says how the value holds the address', () => {
    const format = (value: string) => valueFormat(value, addressesIn(value)[0]);
    expect(format('payments.shop.local')).toBe('host');
    expect(format('http://api.shop.internal')).toBe('url');
    expect(format('http://api.shop.internal:8080/')).toBe('url');
    expect(format('http://orders.shop.local:8080/callback')).toBe('text');
    expect(format('https://api.shop.internal')).toBe('text');
    expect(format('db.shop.local:5432')).toBe('text');
  });

  test('reads Route 53 names as callers write them', () => {
    expect(recordName('API.Shop.Internal.')).toBe('api.shop.internal');
    expect(recordName('\\052.shop.internal.')).toBe('*.shop.internal');
    expect(aliasTargetName('dualstack.internal-shop-1.us-east-1.elb.amazonaws.com.')).toBe(
      'internal-shop-1.us-east-1.elb.amazonaws.com'
    );
  });
});
