/** Microsoft Teams Workflows webhook: a message with one Adaptive Card (lib/notify/teams.ts). */
import type { Outgoing } from '../../lib/model.js';
import { renderTeams, sanitizeOutgoing } from '../../lib/notify/index.js';
import type { Destination, HttpDestinationOptions } from './destination.js';

export class TeamsDestination implements Destination {
  readonly name = 'teams';
  constructor(
    private readonly workflowUrl: string,
    private readonly options: HttpDestinationOptions,
  ) {}

  async send(outgoing: Outgoing): Promise<void> {
    const body = JSON.stringify(renderTeams(sanitizeOutgoing(outgoing, this.options)));
    await this.options.poster.post({ destination: this.name, url: this.workflowUrl, body });
  }
}
