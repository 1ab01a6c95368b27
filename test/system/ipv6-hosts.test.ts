import { execFile } from 'child_process';
import * as path from 'path';
import { promisify } from 'util';
import { containerEnvironment, serviceNamed } from '../../lib/model/graph';
import { YELB } from '../../lib/model/yelb';
import { systemTestsRunnable } from '../support/system';

/**
 * Evidence for containers-roadmap#2742 / amazon-ecs-service-connect-agent#120 with yelb-ui's own
 * proxy configuration: Debian's nginx in a network and mount namespace of its own, where the
 * appserver's alias resolves through a bind-mounted /etc/hosts to an IPv6 address and to an IPv4
 * address that serves, as Service Connect writes it.
 */
const SCRIPT = path.join(__dirname, '..', 'support', 'ipv6-hosts.sh');
const ui = serviceNamed(YELB, 'yelb-ui');
const ENDPOINT = containerEnvironment(YELB, ui).YELB_APPSERVER_ENDPOINT;
const REQUESTS = 5;

interface Measured {
  readonly statuses: string[];
  readonly seconds: number[];
  readonly nginxErrors: string[];
}

async function measure(mode: 'link-local' | 'routed'): Promise<Measured> {
  const { stdout } = await promisify(execFile)(
    'unshare',
    ['--net', '--mount', SCRIPT, mode, ENDPOINT, String(REQUESTS)],
    { timeout: 60_000 }
  );
  const lines = stdout.trim().split('\n');
  const results = lines.filter((l) => /^\d{3} /.test(l)).map((l) => l.split(' '));
  return {
    statuses: results.map(([status]) => status),
    seconds: results.map(([, s]) => Number(s)),
    nginxErrors: lines.filter((l) => l.startsWith('nginx: ')),
  };
}

const runnable = systemTestsRunnable(['unshare', 'ip', 'nginx', 'curl', 'mount'], true);
const describeSystem = runnable ? describe : describe.skip;

describeSystem('yelb-ui (nginx) with an IPv6 and an IPv4 /etc/hosts entry per alias', () => {
  test('the alias is the one yelb-ui is configured with in every phase', () => {
    expect(ENDPOINT).toBe('http://yelb-appserver.yelb.lb.internal:4567');
  });

  test('an IPv4-only Fargate task (link-local IPv6 only): no failed request, no added latency', async () => {
    const { statuses, seconds, nginxErrors } = await measure('link-local');
    expect(statuses).toEqual(Array(REQUESTS).fill('200'));
    // nginx did try the IPv6 address, failed at once, and went on to the IPv4 one.
    expect(nginxErrors.some((e) => /Network is unreachable/.test(e))).toBe(true);
    expect(Math.max(...seconds)).toBeLessThan(0.5);
  });

  test('an IPv6 route whose gateway never answers: no failed request, but the first waits ~3 s', async () => {
    const { statuses, seconds, nginxErrors } = await measure('routed');
    expect(statuses).toEqual(Array(REQUESTS).fill('200'));
    expect(nginxErrors.some((e) => /No route to host/.test(e))).toBe(true);
    expect(seconds[0]).toBeGreaterThan(2.5);
    // nginx marks the IPv6 peer down for fail_timeout (10 s): the next requests go to IPv4 at once.
    expect(Math.max(...seconds.slice(1))).toBeLessThan(0.5);
  });
});
