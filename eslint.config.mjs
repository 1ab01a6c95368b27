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
  // The layers of lib/, arrows pointing down only (STYLE.md): each folder may import its own
  // files, the layers below it, and nothing above. A cycle between folders is then impossible.
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
  const clis = ['**/migrate/*', '**/discover/*', '**/traffic/*', '**/plan/*', '**/rehearse/*', '**/bench/*'];
  const handlers = ['**/teardown/*', '**/image-copy/handler'];
  // What a CLI that runs where no CDK app is may not load: the CDK, and the app's CDK parts.
  const cdkApp = [...cdk, '**/stacks/*', '**/constructs/*', '**/app/app', '**/app/cfn-limits'];
  // Every folder of lib/ but lib/core/, and the files at its root.
  const aboveCore = ['../*.ts', '../service-connect', '../*/*', '!../core/*'];
  const layers = [
    { files: ['lib/core/**'], forbidden: ['../*'], why: 'lib/core/ imports nothing of the project' },
    {
      files: ['lib/model/**'],
      forbidden: ['../*', ...cdk, '@aws-sdk/*'].flatMap((g) => (g === '../*' ? aboveCore : [g])),
      why: 'the model imports only itself and lib/core/: no CDK, no SDK, no CLI',
    },
    {
      files: ['lib/aws/**', 'lib/service-connect.ts', 'lib/image-copy/**', 'lib/teardown/**'],
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
      files: ['lib/constructs/**'],
      forbidden: ['**/app/*', '**/stacks/*', ...clis, '**/cli/*'],
      why: 'constructs get names as props, never from lib/app/',
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
