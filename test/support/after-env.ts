import 'aws-cdk-lib/testhelpers/jest-autoclean';
import { removeTempDirs } from './temp';

afterAll(removeTempDirs);
