import { gradualDeployment, linearWaits } from '../../lib/aws/deployment-strategy';
import { waveBound } from '../../lib/migrate/run';

describe('gradualDeployment', () => {
  test('is none for a rolling deployment, or when no strategy is said', () => {
    expect(gradualDeployment(undefined)).toBeUndefined();
    expect(gradualDeployment({ strategy: 'ROLLING', bakeTimeInMinutes: 30 })).toBeUndefined();
    expect(gradualDeployment({ maximumPercent: 200 })).toBeUndefined();
  });

  test.each([
    ['blue/green: its bake', { strategy: 'BLUE_GREEN' as const, bakeTimeInMinutes: 15 }, 15],
    ['linear with ECS defaults: 9 waits of 6 min between ten 10% steps', { strategy: 'LINEAR' as const }, 54],
    [
      'linear with its settings and a bake',
      {
        strategy: 'LINEAR' as const,
        bakeTimeInMinutes: 10,
        linearConfiguration: { stepPercent: 25, stepBakeTimeInMinutes: 4 },
      },
      10 + 3 * 4,
    ],
    [
      'linear whose step does not divide 100',
      { strategy: 'LINEAR' as const, linearConfiguration: { stepPercent: 11, stepBakeTimeInMinutes: 1 } },
      9,
    ],
    ['canary with ECS defaults: 10 min at 5%', { strategy: 'CANARY' as const }, 10],
    [
      'canary with its settings and a bake',
      {
        strategy: 'CANARY' as const,
        bakeTimeInMinutes: 5,
        canaryConfiguration: { canaryPercent: 20, canaryBakeTimeInMinutes: 30 },
      },
      35,
    ],
  ])('sizes %s', (_what, config, minutes) => {
    expect(gradualDeployment(config)!.minutes).toBe(minutes);
  });

  test('counts the waits between linear steps as CloudFormation does, in tenths of a percent', () => {
    expect([
      linearWaits(10),
      linearWaits(3),
      linearWaits(33.3),
      linearWaits(100),
      linearWaits(0.1 * 3 * 10),
    ]).toEqual([9, 33, 3, 0, 33]);
  });

  test('says how, and counts the lifecycle hooks that can hold a deployment', () => {
    expect(
      gradualDeployment({
        strategy: 'LINEAR',
        linearConfiguration: { stepPercent: 20 },
        lifecycleHooks: [
          {
            hookTargetArn: 'arn:aws:lambda:eu-west-1:1:function:check',
            lifecycleStages: ['POST_TEST_TRAFFIC_SHIFT'],
          },
        ],
      })
    ).toEqual({
      strategy: 'LINEAR',
      minutes: 24,
      how: 'LINEAR, steps of 20% with 4 wait(s) of 6 min between them, then a 0 min bake',
      hooks: 1,
    });
  });
});

describe('waveBound', () => {
  test("adds the slowest gradual deployment's steps and bake to --timeout", () => {
    const wait = { timeoutSeconds: 900, pollSeconds: 15 };
    const linear = gradualDeployment({ strategy: 'LINEAR' });
    const blueGreen = gradualDeployment({ strategy: 'BLUE_GREEN', bakeTimeInMinutes: 5 });
    expect(waveBound(wait, new Map([['a', {}]]))).toEqual(wait);
    expect(
      waveBound(
        wait,
        new Map([
          ['a', { gradual: blueGreen }],
          ['b', { gradual: linear }],
          ['c', {}],
        ])
      )
    ).toEqual({ timeoutSeconds: 900 + 54 * 60, pollSeconds: 15 });
  });
});
