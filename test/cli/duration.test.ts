import { formatDuration, parseDuration } from '../../lib/cli/duration';

describe('parseDuration', () => {
  test.each([
    ['900', 900],
    ['0.5', 0.5],
    ['15m', 900],
    ['30s', 30],
    ['1h', 3600],
    ['1h30m', 5400],
    ['250ms', 0.25],
    ['2m10s', 130],
  ])('%s is %d s', (text, seconds) => {
    expect(parseDuration(text)).toBeCloseTo(seconds);
  });

  test.each(['', 'soon', '15 m', '-1', '1d', 'm5', '1.2.3s'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

test('formatDuration', () => {
  expect(formatDuration(4.24)).toBe('4.2s');
  expect(formatDuration(75.4)).toBe('1m15s');
  expect(formatDuration(3725)).toBe('1h2m5s');
});
