import { execFileSync } from 'child_process';

/**
 * Whether this machine can run a test that needs real system components (root for network and
 * mount namespaces, Debian packages such as nginx). `.ci/run` installs them and CI runs as root,
 * so in CI a missing component fails the test instead of skipping it.
 */
export function systemTestsRunnable(commands: readonly string[], needsRoot: boolean): boolean {
  const missing = commands.filter((cmd) => {
    try {
      execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  });
  const problems = [
    ...(missing.length > 0
      ? [`missing commands: ${missing.join(', ')} (apt-get install as in .ci/run)`]
      : []),
    ...(needsRoot && process.getuid?.() !== 0 ? ['needs root (network and mount namespaces)'] : []),
  ];
  if (problems.length === 0) return true;
  if (process.env.CI) throw new Error(`system test cannot run in CI: ${problems.join('; ')}`);
  console.warn(`skipping system test: ${problems.join('; ')}`);
  return false;
}
