import { createApp } from '../lib/app/app';
import { YELB } from '../lib/model/yelb';
import { layeredTopology } from '../lib/bench/scale-topology';
import { resourceCount } from '../lib/app/deploy-limits';
import { TEST_CONTEXT } from './support/app';
const cert = 'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012';
for (const [topo, extra] of [[YELB, {}], [YELB, {mirrorImages:'false'}], [YELB, { certificateArn: cert, domainName: 'yelb.example.com', hostedZoneId: 'Z0123456789ABCDEFGHIJ', alarmEmail: 'a@b.co' }], [YELB, { dbStorage: 'ephemeral' }], [layeredTopology(16), {}], [layeredTopology(48), {}], [layeredTopology(48), {mirrorImages:'false'}]] as const) {
const { app, system, config } = createApp({ context: { ...TEST_CONTEXT, ...extra } }, topo);
const t = app.synth().getStackByName(system.stackName).template;
const est = resourceCount(config.topology, { mirrorImages: config.mirrorImages, https: !!config.https, domain: !!config.https?.domain, alarmEmail: !!config.alarmEmail });
console.log(topo.services.length, JSON.stringify(extra).slice(0,40), Object.keys(t.Resources).length, est);
}
