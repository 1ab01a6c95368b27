import { gatherStatus, renderStatus } from '../status';
import { Session } from '../session';

/** `status`: per service, what ECS reports; the namespace's endpoints; drift from the deployed template. */
export async function status(session: Session, json: boolean): Promise<number> {
  const report = await gatherStatus(session.clients, session.target, session.topology);
  session.io.stdout(json ? `${JSON.stringify(report, null, 2)}\n` : `${renderStatus(report)}\n`);
  return 0;
}
