// @ts-check
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'cdk.out/', 'coverage/', '**/*.js', '!eslint.config.mjs'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
    },
  },
  // The layers of lib/, arrows pointing down only (docs/development.md): each folder may import
  // its own files, the layers below it, and nothing above. test/layout.spec.ts checks that no
  // cycle between folders is left.
  ...layerRules(),
  {
    // Tests read synthesized templates: untyped JSON by nature.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    files: ['eslint.config.mjs', 'bin/check.mjs'],
    ...tseslint.configs.disableTypeChecked,
  }
);

/**
 * no-restricted-imports per layer. `above` lists what a layer may not import: the folders above
 * it, the CDK where a layer must start without it (the CLIs run where no CDK app is), and the
 * Lambda handlers' folders, which the CLIs share code with only through lib/aws/.
 */
function layerRules() {
  const cdk = ['aws-cdk-lib', 'aws-cdk-lib/*', 'constructs', 'cdk-nag'];
  const app = ['**/app/*', '**/stacks/*', '**/constructs/*'];
  const clis = [
    '**/migrate/*',
    '**/discover/*',
    '**/traffic/*',
    '**/plan/*',
    '**/rehearse/*',
    '**/bench/*',
    '**/publish/*',
  ];
  const handlers = ['**/teardown/*', '**/image-copy/handler'];
  // What a CLI that runs where no CDK app is may not load: the CDK, and the app (what the app and
  // the CLIs share, names, outputs, stages, lives in lib/contract/).
  const cdkApp = [...cdk, '**/stacks/*', '**/constructs/*', '**/app/*'];
  // Every folder of lib/ but lib/core/, and the files at its root.
  const aboveCore = ['../*.ts', '../*/*', '!../core/*'];
  const layers = [
    { files: ['lib/core/**'], forbidden: ['../*'], why: 'lib/core/ imports nothing of the project' },
    {
      files: ['lib/model/**'],
      forbidden: ['../*', ...cdk, '@aws-sdk/*'].flatMap((g) => (g === '../*' ? aboveCore : [g])),
      why: 'the model imports only itself and lib/core/: no CDK, no SDK, no CLI',
    },
    {
      files: ['lib/aws/**', 'lib/image-copy/**', 'lib/teardown/**'],
      forbidden: [...cdk, ...app, ...clis, '**/cli/*'],
      why: 'the SDK layer (what the CLIs and the Lambda handlers share) imports only the model and lib/core/',
    },
    {
      files: ['lib/cli/**'],
      forbidden: [...cdkApp, ...clis, ...handlers],
      why: "the CLIs' shared helpers load no CDK and no CLI",
    },
    {
      files: ['lib/migrate/**', 'lib/discover/**', 'lib/traffic/**'],
      forbidden: [...cdkApp, '**/plan/*', '**/rehearse/*', ...handlers],
      why: 'the migration and traffic CLIs start fast and run where no CDK app is: no CDK, no Lambda handler code (share it through lib/aws/)',
    },
    {
      files: ['lib/export/**'],
      forbidden: [...cdkApp, ...clis.filter((c) => c !== '**/plan/*'), ...handlers, '**/cli/*'],
      why: "the export runs in the migration CLI: no CDK, no CLI's code (the plan's diff of templates is the one exception, loaded when an export runs)",
    },
    {
      files: ['lib/constructs/**'],
      forbidden: ['**/app/*', '**/contract/*', '**/stacks/*', ...clis, '**/cli/*'],
      why: 'constructs get their slice of the plan and names as props, never from lib/app/ or lib/contract/',
    },
    {
      files: ['lib/stacks/**'],
      forbidden: ['**/app/*', ...clis, '**/cli/*'],
      why: 'stacks compose constructs from the plan; the app assembles the stacks, not the other way',
    },
  ];
  return layers.map(({ files, forbidden, why }) => ({
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: forbidden, message: `Layering: ${why}.`, allowTypeImports: true }] },
      ],
    },
  }));
}
