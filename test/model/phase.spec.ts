import {
  MIGRATION_PHASES,
  flagsOf,
  keepsLegacyPath,
  phaseOf,
  usesServiceConnect,
} from '../../lib/model/phase';

describe('migration phases', () => {
  test.each(MIGRATION_PHASES)('%s round-trips through its flags', (phase) => {
    expect(phaseOf(flagsOf(phase))).toBe(phase);
  });

  test('Service Connect is on after discovery; the old path goes only when retired', () => {
    expect(MIGRATION_PHASES.map(usesServiceConnect)).toEqual([false, true, true]);
    expect(MIGRATION_PHASES.map(keepsLegacyPath)).toEqual([true, true, false]);
  });

  test('fails when retireLegacy comes without serviceConnect', () => {
    expect(() => phaseOf({ serviceConnect: false, retireLegacy: true })).toThrow(
      /retireLegacy=true needs serviceConnect=true/
    );
  });
});
