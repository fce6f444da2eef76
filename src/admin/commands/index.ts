/**
 * Every chat command, in one explicit list. Features add their commands here, and the
 * dependencies those commands need to `CommandDeps`.
 */
import type { Connection } from 'mongoose';
import type { HandoffDeps } from '../../handoff/handoff-deps.js';
import type { Clock } from '../../lib/clock.js';
import type { Logger } from '../../lib/logger.js';
import type { CommandDefinition } from '../command.js';
import type { RoleRegistry } from '../roles.js';
import { endCommand } from './end.js';
import { handoffCommand } from './handoff.js';
import { helpCommand } from './help.js';
import { queueCommand } from './queue.js';
import { takeCommand } from './take.js';

export interface CommandDeps {
  connection: Connection;
  roles: RoleRegistry;
  clock: Clock;
  logger: Logger;
  handoff: HandoffDeps;
}

export function createCommands(deps: CommandDeps): CommandDefinition[] {
  const commands: CommandDefinition[] = [];
  commands.push(helpCommand(() => commands));
  commands.push(queueCommand(deps.handoff), takeCommand(deps.handoff), endCommand(deps.handoff), handoffCommand(deps.handoff));
  return commands;
}
