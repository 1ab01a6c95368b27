import { runSpecs } from './support/specs';

// The checks over the whole project (cdk-nag, phase safety, README, workflows), in one Jest test
// file (see runSpecs); the CloudFormation validation, the slowest, keeps a file of its own.
runSpecs(__dirname);
